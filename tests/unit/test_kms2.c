/* test_kms2.c - pure parts of the azure_kv, hc_vault and hckms providers:
 * Azure Key Vault domains, Vault key URIs and the address allowlist (sops'
 * rules, sopsfs' VAULT_ADDR-only default), and the HuaweiCloud AK/SK
 * signature against the worked example of HuaweiCloud's API signing guide. */
#include "check.h"
#include "../../providers/hc_vault/vault_addr.h"
#include "../../providers/hckms/hckms.h"
#include "../../providers/azure_kv/azkv.h"

#include <stdlib.h>

static void test_vault_uri(void)
{
	struct vault_key k;
	struct sops_err err;

	CHECK(vault_uri_parse("https://vault.example.org:8200/v1/transit/keys/dev", &k, &err) == 0);
	CHECK_STR(k.address, "https://vault.example.org:8200");
	CHECK_STR(k.engine_path, "transit");
	CHECK_STR(k.key_name, "dev");
	vault_key_free(&k);
	CHECK(vault_uri_parse("http://127.0.0.1:8200/v1/team/a/transit/keys/k1", &k, &err) == 0);
	CHECK_STR(k.engine_path, "team/a/transit");
	CHECK_STR(k.key_name, "k1");
	vault_key_free(&k);
	CHECK(vault_uri_parse("vault.example.org/v1/transit/keys/dev", &k, &err) == -1);
	CHECK(strstr(err.msg, "missing scheme in Vault URL") != NULL);
	CHECK(vault_uri_parse("https://vault.example.org/prefix/v1/transit/keys/dev", &k, &err) == -1);
	CHECK(strstr(err.msg, "prefixed URL is not supported") != NULL);
	CHECK(vault_uri_parse("https://vault.example.org/v1/transit", &k, &err) == -1);
	CHECK(strstr(err.msg, "does not seem to be formatted correctly") != NULL);
	/* fuzz_provider: the path's segments only after a fragment (none left
	 * once it is cut) used to index dirs[-1] */
	CHECK(vault_uri_parse("https://h/#//v1/transit/keys/k", &k, &err) == -1);
	CHECK(strstr(err.msg, "does not seem to be formatted correctly") != NULL);
	CHECK(k.address == NULL && k.key_name == NULL);
}

static int allowed(const char *addr)
{
	struct sops_err err;

	return vault_allowed(addr, &err) == 0;
}

static void test_vault_allowlist(void)
{
	unsetenv("SOPS_HC_VAULT_ALLOWLIST");
	unsetenv("VAULT_ADDR");
	CHECK(!allowed("https://vault.example.org:8200"));
	setenv("VAULT_ADDR", "https://vault.example.org:8200/", 1);
	CHECK(allowed("https://vault.example.org:8200"));
	CHECK(!allowed("https://vault.example.org:8201"));
	CHECK(!allowed("https://evil.example.org:8200"));
	CHECK(!allowed("https://vault.example.org:8200/x"));     /* not an origin */
	CHECK(!allowed("https://vault.example.org:8200@evil"));
	setenv("VAULT_ADDR", "https://vault.example.org", 1);
	CHECK(allowed("https://vault.example.org:443"));        /* default port */
	setenv("SOPS_HC_VAULT_ALLOWLIST", "all", 1);
	CHECK(allowed("https://anything.example:1"));
	setenv("SOPS_HC_VAULT_ALLOWLIST", "none", 1);
	CHECK(!allowed("https://vault.example.org"));
	setenv("SOPS_HC_VAULT_ALLOWLIST", "https://a.example:8200, https://b.example/", 1);
	CHECK(allowed("https://a.example:8200"));
	CHECK(allowed("https://b.example"));
	CHECK(!allowed("https://a.example:82001"));
	CHECK(!allowed("https://b.example.evil"));
	CHECK(!allowed("https://vault.example.org"));             /* VAULT_ADDR not added */
	setenv("SOPS_HC_VAULT_ALLOWLIST", "https://a.example,,x", 1);
	{
		struct sops_err err;

		CHECK(vault_allowed("https://a.example", &err) == -1);
		CHECK_STR(err.msg, "SOPS_HC_VAULT_ALLOWLIST's entry 2 is empty");
	}
	unsetenv("SOPS_HC_VAULT_ALLOWLIST");
	unsetenv("VAULT_ADDR");
}

/* HuaweiCloud API signing guide example: the signature of a GET to
 * service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0
 * at 20191115T033655Z with content-type application/json signed, SK
 * MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc. */
static void test_hckms_signature(void)
{
	const char *names[] = { "content-type", "host", "x-sdk-date" };
	const char *values[] = { "application/json", "service.region.example.com", "20191115T033655Z" };
	struct buf sig = BUF_INIT;

	CHECK(hckms_signature("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "GET",
			      "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
			      "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", names, values, 3,
			      NULL, 0, "20191115T033655Z", &sig) == 0);
	CHECK_STR((char *)sig.data, "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe");
	buf_free(&sig);
}

static const char *scope_of(const char *url)
{
	const char *scope = NULL;
	struct sops_err err;

	return azkv_vault_scope(url, &scope, &err) == 0 ? scope : NULL;
}

static void test_azure_domains(void)
{
	unsetenv("SOPSFS_AZURE_KV_ALLOW");
	CHECK_STR(scope_of("https://myvault.vault.azure.net"), "https://vault.azure.net/.default");
	CHECK_STR(scope_of("https://MyVault.Vault.Azure.Net:443"), "https://vault.azure.net/.default");
	CHECK_STR(scope_of("https://v.vault.azure.cn"), "https://vault.azure.cn/.default");
	CHECK_STR(scope_of("https://v.vault.usgovcloudapi.net"), "https://vault.usgovcloudapi.net/.default");
	CHECK_STR(scope_of("https://h.managedhsm.azure.net"), "https://managedhsm.azure.net/.default");
	CHECK(scope_of("https://vault.azure.net") == NULL);            /* no vault name */
	CHECK(scope_of("https://v.vault.azure.net.evil.example") == NULL);
	CHECK(scope_of("https://evilvault.azure.net") == NULL);
	CHECK(scope_of("https://user@v.vault.azure.net") == NULL);
	CHECK(scope_of("https://v.vault.azure.net/path") == NULL);
	CHECK(scope_of("http://v.vault.azure.net") == NULL);
	CHECK(scope_of("https://kv.internal.example:8443") == NULL);
	setenv("SOPSFS_AZURE_KV_ALLOW", "other.example, kv.internal.example:8443", 1);
	CHECK_STR(scope_of("https://kv.internal.example:8443"), "https://vault.azure.net/.default");
	CHECK(scope_of("https://kv.internal.example:9443") == NULL);
	CHECK(scope_of("https://other.example:1234") != NULL);
	CHECK(scope_of("https://x.other.example") == NULL);
	unsetenv("SOPSFS_AZURE_KV_ALLOW");
}

int main(void)
{
	RUN(test_azure_domains);
	RUN(test_vault_uri);
	RUN(test_vault_allowlist);
	RUN(test_hckms_signature);
	return CHECK_DONE();
}
