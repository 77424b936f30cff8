#ifndef MODELGET_COPENSSL_H
#define MODELGET_COPENSSL_H

// The parts of OpenSSL's libcrypto modelget uses: SHA-256 and, for the
// test token service, RS256 signing.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/sha.h>

/// One-time, atexit-free initialisation (see shared/LIBCURL.md).
int mg_openssl_init(void);

#endif
