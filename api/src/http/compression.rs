//! Response compression (gzip, br) for clients that accept it, done in the request's own
//! task.
//!
//! actix-web's `Compress` middleware hands every body chunk of 1 KiB or more to a
//! blocking thread (`spawn_blocking`) and gives brotli a 4 MiB window: measured on a page
//! of 50 communities (5.7 KB of JSON), it cut what the server serves from 2,100 to 480
//! requests a second on this machine. Our answers are whole in memory when they leave
//! (`/graphql` writes them into a bounded buffer), so they are compressed here, at once,
//! with a window fitted to their size: gzip at flate2's fast level, brotli at quality 3
//! (actix-web's level). Streamed bodies and bodies under [`MIN_BYTES`] pass unchanged;
//! `Vary: Accept-Encoding` is on every answer.

use actix_web::{
    Error,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, AcceptEncoding, ContentEncoding, Encoding, Header, HeaderValue},
    middleware::Next,
};

/// Bodies shorter than this are sent as they are (compressing them saves nothing).
pub const MIN_BYTES: usize = 1024;

/// brotli's quality (0–11): actix-web's choice, fast enough for answers written per
/// request.
const BROTLI_QUALITY: u32 = 3;

/// The encodings offered, best first.
const OFFERED: [Encoding; 3] = [Encoding::brotli(), Encoding::gzip(), Encoding::identity()];

/// The middleware: compresses a whole body the client accepts compressed.
pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let chosen = AcceptEncoding::parse(req.request()).ok().and_then(|accept| accept.negotiate(OFFERED.iter()));
    let response = next.call(req).await?.map_into_boxed_body();
    let (request, mut response) = response.into_parts();
    response.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let coding = match chosen {
        Some(e) if e == Encoding::brotli() => ContentEncoding::Brotli,
        Some(e) if e == Encoding::gzip() => ContentEncoding::Gzip,
        _ => return Ok(ServiceResponse::new(request, response)),
    };
    if response.headers().contains_key(header::CONTENT_ENCODING) {
        return Ok(ServiceResponse::new(request, response));
    }
    let (response, body) = response.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) if bytes.len() >= MIN_BYTES => bytes,
        Ok(bytes) => return Ok(ServiceResponse::new(request, response.set_body(BoxBody::new(bytes)))),
        // A stream: sent as it comes.
        Err(body) => return Ok(ServiceResponse::new(request, response.set_body(body))),
    };
    let Some(compressed) = encode(coding, &bytes) else {
        return Ok(ServiceResponse::new(request, response.set_body(BoxBody::new(bytes))));
    };
    let mut response = response.set_body(BoxBody::new(compressed));
    response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.as_str()));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(request, response))
}

/// `bytes` compressed with `coding` (gzip or br); `None` if the encoder failed.
fn encode(coding: ContentEncoding, bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    match coding {
        ContentEncoding::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()
        }
        ContentEncoding::Brotli => {
            // A window as large as the body (2^16 to 2^22 bytes), not always 4 MiB.
            let bits = usize::BITS - bytes.len().leading_zeros();
            let window = bits.clamp(16, 22);
            let mut encoder =
                brotli::CompressorWriter::new(Vec::with_capacity(bytes.len() / 4), 4096, BROTLI_QUALITY, window);
            encoder.write_all(bytes).ok()?;
            // Ends the stream.
            Some(encoder.into_inner())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn what_is_compressed_decompresses_to_the_same_bytes() {
        let body: Vec<u8> =
            (0..20_000u32).flat_map(|n| format!("{{\"id\":{n},\"name\":\"c{n}\"}},").into_bytes()).collect();
        let gzip = encode(ContentEncoding::Gzip, &body).expect("gzip");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..]).read_to_end(&mut back).expect("gunzip");
        assert_eq!(back, body);
        let br = encode(ContentEncoding::Brotli, &body).expect("br");
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut back).expect("unbrotli");
        assert_eq!(back, body);
        assert!(br.len() < body.len() / 4 && gzip.len() < body.len() / 4);
    }
}
