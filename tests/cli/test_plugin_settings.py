"""Plugins' non-secret ids (LINKEDIN_ORG_ID, TIKTOK_BUSINESS_ID,
INSTAGRAM_PAGE_ID) come from the host's get_setting (ABI 1.3): the
environment, the keys file, or social.<platform>.<key> in the config file
(that they are not registered for redaction is checked by the unit test
test_plugin_host_settings.cpp)."""
import os

from harness import WeboxTestCase, main

ORG = "5515715"


class SettingsTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_social.py")
        self.env.update({
            "LINKEDIN_BASE_URL": self.fake.url + "/li",
            "LINKEDIN_ACCESS_TOKEN": "li-test-token",
            "WEBOX_RETRY_BASE_MS": "10",
        })

    def scrape(self, *extra, check=0, **kw):
        return self.webox("scrape-interactions", "--platform", "linkedin", *extra, check=check, **kw)

    def asked_for_the_organisation(self):
        return any(ORG in r["path"] or ORG in str(r.get("query")) for r in self.fake.requests())

    def test_the_keys_file_still_holds_an_organisation_id(self):
        self.webox("keys", "set", "LINKEDIN_ORG_ID", stdin=ORG, check=0)
        self.scrape("--quiet")
        self.assertTrue(self.asked_for_the_organisation())

    def test_the_config_file_holds_an_organisation_id(self):
        self.write_config(f"social:\n  linkedin:\n    org_id: '{ORG}'\n")
        self.scrape("--quiet")
        self.assertTrue(self.asked_for_the_organisation())

    def test_without_an_organisation_the_error_names_every_place(self):
        r = self.scrape(check=2)
        self.assertIn("LINKEDIN_ORG_ID", r.err)

if __name__ == "__main__":
    main()
