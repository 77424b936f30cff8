#ifndef MODELGET_COPENSSL_H
#define MODELGET_COPENSSL_H

// The parts of OpenSSL's libcrypto modelget uses: SHA-256, MD5 (the etag of
// Ollama's redirect uploads), Ed25519 (Ollama's key-signed token requests)
// and, for the test token service, RS256 signing.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>

/// One-time, atexit-free initialisation (see shared/LIBCURL.md).
int mg_openssl_init(void);

/// Signs `length` bytes of `message` with the Ed25519 private key whose
/// 32-byte seed is `seed`; writes the 64-byte signature. Returns 1 on success.
int mg_ed25519_sign(const uint8_t seed[32], const uint8_t *message, size_t length, uint8_t signature[64]);

/// Writes the 32-byte Ed25519 public key of the private key `seed`. Returns 1 on success.
int mg_ed25519_public_key(const uint8_t seed[32], uint8_t public_key[32]);

/// Incremental MD5: a new context (NULL on failure), more bytes, the
/// 16-byte result (which also frees the context).
EVP_MD_CTX *mg_md5_begin(void);
int mg_md5_update(EVP_MD_CTX *context, const uint8_t *data, size_t length);
int mg_md5_finish(EVP_MD_CTX *context, uint8_t digest[16]);

#endif
