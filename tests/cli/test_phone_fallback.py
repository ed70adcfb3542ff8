"""The LLM phone fallback (leads.phone_fallback_model) through the real binary,
with the offline echo provider as the model: `echo:echo` answers with the
text it was given, so a comment holding a JSON answer is the model's answer,
good or bad; `echo:messages` answers with something that is not the JSON
asked for; `echo:fail-network` cannot answer at all."""
import json
import os
import sqlite3

from harness import WeboxTestCase, main

# libphonenumber refuses a number glued to letters ("...78svp"): the matcher
# finds nothing here, yet ten digits sit close together.
GLUED = '{"phones": ["06.12.34.56.78svp"]}'
# Digits that are in the text but are no phone number at all.
NOT_A_NUMBER = '{"phones": ["00.00.00.00.00svp"]}'


def record(i, text, person="9"):
    return {"platform": "instagram", "platform_id": f"c{i}", "kind": "comment",
            "person": {"id": person, "username": f"user{person}"}, "text": text, "timestamp": 1795000000}


class PhoneFallbackTest(WeboxTestCase):
    def configure(self, model):
        d = os.path.join(self.home, "config", "webox")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write(f"leads:\n  phone_fallback_model: {model}\n")

    def run_import(self, records, check=0):
        path = os.path.join(self.home, "in.jsonl")
        with open(path, "w") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return self.webox("scrape-interactions", "--from", path, "--json", check=check)

    def contacts(self):
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            return c.execute("SELECT p.platform_user_id, c.value, c.raw, c.detected_by, i.platform_id FROM contacts c "
                             "JOIN people p ON p.id = c.person_id JOIN interactions i ON i.id = c.interaction_id "
                             "ORDER BY c.id").fetchall()

    def test_a_number_the_matcher_missed_is_found_checked_and_marked(self):
        self.configure("echo:echo")
        r = self.run_import([
            record(1, "Bravo !"),                                # no digits: no call
            record(2, "Dispo ? 06 98 76 54 32", person="5"),    # the matcher finds it: no call
            record(3, "Mon numéro " + GLUED, person="7"),       # the model is asked
            record(4, NOT_A_NUMBER, person="8"),                 # asked; libphonenumber refuses the answer
        ])
        summary = r.json()
        self.assertEqual(summary["model_calls"], 2)
        self.assertEqual(summary["model_phones"], 1)
        self.assertEqual(self.contacts(), [
            ("5", "+33698765432", "06 98 76 54 32", "matcher", "c2"),
            ("7", "+33612345678", "06.12.34.56.78svp", "model:echo:echo", "c3"),
        ])
        lead = json.loads(self.webox("leads", "show", "@user7", "--json", check=0).out)
        self.assertEqual(lead["phones"], ["+33612345678"])
        self.assertEqual(lead["contacts"][0]["detected_by"], "model:echo:echo")
        self.assertEqual(lead["contacts"][0]["source_interaction"], "c3")
        # Rerun: nothing new, nobody asked again (the interactions are known).
        again = self.run_import([record(3, "Mon numéro " + GLUED, person="7")]).json()
        self.assertEqual(again["model_calls"], 0)
        self.assertEqual(len(self.contacts()), 2)

    def test_an_answer_that_is_not_the_json_asked_for_is_ignored(self):
        self.configure("echo:messages")
        r = self.run_import([record(1, "Mon numéro " + GLUED)])
        self.assertEqual(r.json()["model_calls"], 1)
        self.assertEqual(r.json()["model_phones"], 0)
        self.assertEqual(self.contacts(), [])

    def test_a_model_that_fails_costs_a_warning_not_the_import(self):
        self.configure("echo:fail-network")
        r = self.run_import([record(1, "Mon numéro " + GLUED), record(2, "Mon autre " + GLUED, person="3")])
        self.assertEqual(r.json()["new_interactions"], 2)
        self.assertEqual(self.contacts(), [])
        self.assertEqual(r.err.count("phone fallback echo:fail-network"), 1, r.err)

    def test_without_the_setting_no_model_is_asked(self):
        r = self.run_import([record(1, "Mon numéro " + GLUED)])
        self.assertEqual(r.json()["model_calls"], 0)
        self.assertEqual(self.contacts(), [])

    def test_an_unknown_model_is_a_usage_error_before_anything_is_stored(self):
        self.configure("nosuchprovider:model")
        r = self.run_import([record(1, "Mon numéro " + GLUED)], check=2)
        self.assertIn("nosuchprovider", r.err)
        db = os.path.join(self.home, "data", "webox", "webox.db")
        if os.path.exists(db):
            with sqlite3.connect(db) as c:
                self.assertEqual(c.execute("SELECT count(*) FROM interactions").fetchone()[0], 0)


if __name__ == "__main__":
    main()
