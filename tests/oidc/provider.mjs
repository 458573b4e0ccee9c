// A real OpenID provider (the `oidc-provider` package) for Maillage's single sign-on tests.
//
//   node provider.mjs '{"host":"127.0.0.2","leanIdTokens":false,"secretPost":false,"clients":[{"client_id":"…","client_secret":"…","redirect_uris":["…"]}]}'
//
// It listens on a free port of a loopback address (127.0.0.1 unless `host` says another,
// so that two providers keep their cookies apart) and prints one line,
// `listening http://HOST:PORT`, which is its issuer. People log in through the provider's own development login form
// (any login, any password); the login is the subject.
//
// A few test controls live under /__test (never part of a real provider):
//   POST /__test/accounts  {"<login>": {claims…}}   claims returned for that subject
//   POST /__test/tamper    {"mode": "…"}            alter the next ID tokens (see `tamper`)
//   POST /__test/rotate                             replace the signing key (new `kid`)
//   GET  /__test/moved/…                            a redirect to /… (for the no-redirect client)
import http from 'node:http';
import * as jose from 'jose';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2] ?? '{}');
const accounts = new Map();
let tamperMode = 'off';
let signingKey = await newSigningKey();
let provider;

async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: `key-${crypto.randomUUID()}`, alg: 'RS256', use: 'sig' };
}

function claimsFor(login) {
  const stored = accounts.get(login) ?? {};
  const email = login.includes('@') ? login : undefined;
  return { sub: login, email, email_verified: true, name: login, ...stored };
}

function build(issuer) {
  // With `secretPost`, the provider advertises client_secret_post only (the secret in
  // the token request's body), as some providers do; Maillage then sends it that way.
  const clients = (settings.clients ?? []).map((client) =>
    (settings.secretPost ? { ...client, token_endpoint_auth_method: 'client_secret_post' } : client));
  const instance = new Provider(issuer, {
    clients,
    ...(settings.secretPost ? { clientAuthMethods: ['client_secret_post'] } : {}),
    jwks: { keys: [signingKey] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'job_title', 'profession', 'groups'],
    },
    // With `leanIdTokens`, ID tokens carry only `sub` (and protocol claims); the rest is
    // at the userinfo endpoint, as many providers do.
    conformIdTokenClaims: settings.leanIdTokens === true,
    cookies: { keys: ['maillage-test-cookie-key'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      return { accountId: id, claims: async () => claimsFor(id) };
    },
  });
  // The test controls alter the ID token the token endpoint returns.
  instance.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body && ctx.body.id_token && tamperMode !== 'off') {
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, tamperMode) };
    }
  });
  return instance;
}

/** Re-issues an ID token altered as `mode` says; all but `signature` and `alg-none` are validly signed. */
async function tamper(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = signingKey;
  switch (mode) {
    case 'nonce': claims.nonce = 'not-the-nonce-you-sent'; break;
    case 'azp': claims.azp = 'some-other-client'; break;
    case 'audience': claims.aud = 'some-other-client'; break;
    case 'expired': claims.iat = now - 7200; claims.exp = now - 3600; break;
    case 'issuer': claims.iss = 'http://127.0.0.1:9/not-this-issuer'; break;
    case 'signature': key = { ...(await newSigningKey()), kid: signingKey.kid }; break;
    case 'alg-none': {
      const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    }
    default: throw new Error(`unknown tamper mode ${mode}`);
  }
  const privateKey = await jose.importJWK(key, 'RS256');
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(privateKey);
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

async function control(req, res, issuer) {
  const body = await readJson(req);
  switch (req.url) {
    case '/__test/accounts':
      for (const [login, claims] of Object.entries(body)) accounts.set(login, claims);
      break;
    case '/__test/tamper':
      tamperMode = body.mode ?? 'off';
      break;
    case '/__test/rotate':
      signingKey = await newSigningKey();
      provider = build(issuer);
      break;
    default:
      res.writeHead(404).end();
      return;
  }
  res.writeHead(204).end();
}

const host = settings.host ?? '127.0.0.1';
const server = http.createServer((req, res) => {
  const issuer = `http://${host}:${server.address().port}`;
  if (req.url.startsWith('/__test/moved/')) {
    // A document that moved: a relying party must not follow the redirect.
    res.writeHead(302, { location: req.url.slice('/__test/moved'.length) }).end();
  } else if (req.url.startsWith('/__test/')) {
    control(req, res, issuer).catch((err) => res.writeHead(500).end(String(err)));
  } else {
    provider.callback()(req, res);
  }
});

server.listen(0, host, () => {
  const issuer = `http://${host}:${server.address().port}`;
  provider = build(issuer);
  console.log(`listening ${issuer}`);
});

// Stop with the test that started us: when our stdin closes, exit.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
