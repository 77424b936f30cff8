#include "COpenSSL.h"

int mg_openssl_init(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

int mg_ed25519_sign(const uint8_t seed[32], const uint8_t *message, size_t length, uint8_t signature[64]) {
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (key == NULL) return 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    size_t written = 64;
    int ok = context != NULL
        && EVP_DigestSignInit(context, NULL, NULL, NULL, key) == 1
        && EVP_DigestSign(context, signature, &written, message, length) == 1
        && written == 64;
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    return ok;
}

int mg_ed25519_public_key(const uint8_t seed[32], uint8_t public_key[32]) {
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (key == NULL) return 0;
    size_t written = 32;
    int ok = EVP_PKEY_get_raw_public_key(key, public_key, &written) == 1 && written == 32;
    EVP_PKEY_free(key);
    return ok;
}

EVP_MD_CTX *mg_md5_begin(void) {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context != NULL && EVP_DigestInit_ex(context, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    return context;
}

int mg_md5_update(EVP_MD_CTX *context, const uint8_t *data, size_t length) {
    return EVP_DigestUpdate(context, data, length) == 1;
}

int mg_md5_finish(EVP_MD_CTX *context, uint8_t digest[16]) {
    unsigned int written = 0;
    int ok = EVP_DigestFinal_ex(context, digest, &written) == 1 && written == 16;
    EVP_MD_CTX_free(context);
    return ok;
}
