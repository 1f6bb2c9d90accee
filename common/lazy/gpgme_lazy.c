/* gpgme_lazy.c - the gpgme functions sopsfs uses, loaded on first use (see
 * lazy.h): an age decrypt never loads gpgme, libassuan and libgpg-error
 * (about 0.3 ms of every `sopsfs decrypt` start-up). Each keeps gpgme's
 * prototype; when the library cannot be loaded, calls fail with
 * GPG_ERR_NOT_SUPPORTED or NULL. gpgme_check_version is a macro over
 * gpgme_check_version_internal, which is what is forwarded. */
#include "lazy.h"

#include <gpgme.h>

static struct lazy_lib gpgme = { "libgpgme.so.11", NULL, 0 };

#define NOT_LOADED gpgme_err_make(GPG_ERR_SOURCE_GPGME, GPG_ERR_NOT_SUPPORTED)

LAZY_FWD(gpgme, const char *, gpgme_check_version_internal, (const char *req, size_t offset),
    (req, offset), NULL)
LAZY_FWD(gpgme, gpgme_error_t, gpgme_engine_check_version, (gpgme_protocol_t proto), (proto),
    NOT_LOADED)
LAZY_FWD(gpgme, const char *, gpgme_strerror, (gpgme_error_t err), (err),
    "gpgme is not installed")
LAZY_FWD(gpgme, const char *, gpgme_pubkey_algo_name, (gpgme_pubkey_algo_t algo), (algo), NULL)
LAZY_FWD(gpgme, gpgme_error_t, gpgme_new, (gpgme_ctx_t *ctx), (ctx), NOT_LOADED)
LAZY_FWD_VOID(gpgme, gpgme_release, (gpgme_ctx_t ctx), (ctx))
LAZY_FWD(gpgme, gpgme_error_t, gpgme_set_protocol, (gpgme_ctx_t ctx, gpgme_protocol_t proto),
    (ctx, proto), NOT_LOADED)
LAZY_FWD_VOID(gpgme, gpgme_set_armor, (gpgme_ctx_t ctx, int yes), (ctx, yes))
LAZY_FWD(gpgme, gpgme_error_t, gpgme_data_new, (gpgme_data_t *dh), (dh), NOT_LOADED)
LAZY_FWD(gpgme, gpgme_error_t, gpgme_data_new_from_mem,
    (gpgme_data_t *dh, const char *buffer, size_t size, int copy), (dh, buffer, size, copy),
    NOT_LOADED)
LAZY_FWD(gpgme, gpgme_error_t, gpgme_data_new_from_cbs,
    (gpgme_data_t *dh, gpgme_data_cbs_t cbs, void *handle), (dh, cbs, handle), NOT_LOADED)
LAZY_FWD_VOID(gpgme, gpgme_data_release, (gpgme_data_t dh), (dh))
LAZY_FWD(gpgme, char *, gpgme_data_release_and_get_mem, (gpgme_data_t dh, size_t *len),
    (dh, len), NULL)
LAZY_FWD_VOID(gpgme, gpgme_free, (void *buffer), (buffer))
LAZY_FWD(gpgme, gpgme_error_t, gpgme_op_encrypt_ext,
    (gpgme_ctx_t ctx, gpgme_key_t recp[], const char *recpstring, gpgme_encrypt_flags_t flags,
     gpgme_data_t plain, gpgme_data_t cipher),
    (ctx, recp, recpstring, flags, plain, cipher), NOT_LOADED)
LAZY_FWD(gpgme, gpgme_encrypt_result_t, gpgme_op_encrypt_result, (gpgme_ctx_t ctx), (ctx), NULL)
LAZY_FWD(gpgme, gpgme_error_t, gpgme_op_decrypt,
    (gpgme_ctx_t ctx, gpgme_data_t cipher, gpgme_data_t plain),
    (ctx, cipher, plain), NOT_LOADED)
LAZY_FWD(gpgme, gpgme_decrypt_result_t, gpgme_op_decrypt_result, (gpgme_ctx_t ctx), (ctx), NULL)
