"""chat -t NAME (a library prompt as the prompt, --var, the input as
{{input}}), chat --assistant and webox assistants, through the real binary
and the offline echo provider (echo:messages answers with the messages it got)."""
import json
import os

from harness import WeboxTestCase, main


class TemplateTest(WeboxTestCase):
    def user_prompt(self, name, text, *args):
        os.makedirs(os.path.join(self.home, "config", "webox", "prompts"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "prompts", name + ".md"), "w") as f:
            f.write(text)

    def messages(self, *args, stdin=None):
        r = self.webox("chat", "-m", "echo:messages", "--no-log", *args, stdin=stdin, check=0)
        return json.loads(r.out)

    def test_vars_fill_the_template(self):
        m = self.messages("-t", "resume-article", "--var", "language=français", "--var", "text=Un article.")
        self.assertEqual(m[-1]["role"], "user")
        self.assertIn("Summarise the following article in français.", m[-1]["content"])
        self.assertIn("Article:\nUn article.", m[-1]["content"])

    def test_var_from_a_file(self):
        path = os.path.join(self.home, "article.txt")
        with open(path, "w") as f:
            f.write("Lyon, 3 mai : le budget est voté.")
        m = self.messages("--template", "resume-article", "--var", "language=English", "--var", "text=@" + path)
        self.assertIn("Lyon, 3 mai : le budget est voté.", m[-1]["content"])

    def test_stdin_is_input(self):
        self.user_prompt("traduire", "---\nname: traduire\nvariables:\n  lang: target\n---\n"
                         "Traduis en {{lang}} :\n{{input}}\n")
        m = self.messages("-t", "traduire", "--var", "lang=anglais", stdin="Bonjour le monde")
        self.assertEqual(m[-1]["content"], "Traduis en anglais :\nBonjour le monde")
        # The prompt words are input too, after standard input (as for a plain chat).
        m = self.messages("-t", "traduire", "--var", "lang=anglais", "et", "merci")
        self.assertEqual(m[-1]["content"], "Traduis en anglais :\net merci")
        # No input for a template that needs one: refused, nothing sent.
        r = self.webox("chat", "-m", "echo", "--no-log", "-t", "traduire", "--var", "lang=anglais", stdin="", check=2)
        self.assertIn("{{input}}", r.err)

    def test_input_fills_the_one_variable_left(self):
        m = self.messages("-t", "commit-message", stdin="diff --git a/x b/x\n+ligne\n")
        self.assertIn("+ligne", m[-1]["content"])
        self.assertNotIn("{{", m[-1]["content"])
        # Two left unset: the input cannot choose; the missing one is named.
        r = self.webox("chat", "-m", "echo", "--no-log", "-t", "resume-article", stdin="Un article.", check=2)
        self.assertIn("language", r.err)
        self.assertIn("--var", r.err)

    def test_input_follows_a_template_without_a_place_for_it(self):
        self.user_prompt("sans-entree", "---\nname: sans-entree\n---\nRésume en une phrase.\n")
        m = self.messages("-t", "sans-entree", stdin="Le texte.")
        self.assertEqual(m[-1]["content"], "Résume en une phrase.\n\nLe texte.")

    def test_system_and_model_of_the_prompt(self):
        self.user_prompt("avec-systeme", "---\nname: avec-systeme\nmodel: echo:messages\nsystem: Tu es {{ton}}.\n"
                         "variables: [ton]\n---\nDis bonjour.\n")
        r = self.webox("chat", "--no-log", "-t", "avec-systeme", "--var", "ton=bref", check=0)
        m = json.loads(r.out)
        self.assertEqual(m[0], {"role": "system", "content": "Tu es bref."})
        # -s wins over the prompt's system text.
        m = self.messages("-t", "avec-systeme", "--var", "ton=bref", "-s", "Autre")
        self.assertEqual(m[0]["content"], "Autre")

    def test_missing_variable_names_it(self):
        r = self.webox("chat", "-m", "echo", "--no-log", "-t", "resume-article", "--var", "text=x", check=2)
        self.assertIn("'language'", r.err)
        self.assertIn("--var language=", r.err)
        self.assertEqual(r.out, "")

    def test_bad_input(self):
        r = self.webox("chat", "-m", "echo", "-t", "personne", "x", check=2)
        self.assertIn("personne", r.err)
        r = self.webox("chat", "-m", "echo", "-t", "resume-article", "--var", "langue=fr", "x", check=2)
        self.assertIn("no variable 'langue'", r.err)
        self.assertIn("language", r.err)
        r = self.webox("chat", "-m", "echo", "-t", "resume-article", "--var", "=x", check=2)
        self.assertIn("expected name=value", r.err)
        r = self.webox("chat", "-m", "echo", "-t", "resume-article", "--var", "text=@/nonexistent/f", check=2)
        self.assertIn("/nonexistent/f", r.err)
        r = self.webox("chat", "-m", "echo", "--var", "a=b", "x", check=2)
        self.assertIn("-t NAME", r.err)
        # Nothing was logged by the refusals.
        self.assertEqual(self.webox("logs", "--json", check=0).json(), [])

    def test_help_shows_examples(self):
        r = self.webox("chat", "--help", check=0)
        self.assertIn("-t,--template", r.out)
        self.assertIn("--var", r.out)


class AssistantsTest(WeboxTestCase):
    COACHES = ["coach:seduction", "coach:conversation", "coach:confiance", "coach:profil", "coach:rendez-vous"]

    def test_list_has_the_coach_domains(self):
        r = self.webox("assistants", "list", check=0)
        for name in self.COACHES + ["traducteur"]:
            self.assertIn(name, r.out)
        doc = self.webox("assistants", "list", "--json", check=0).json()
        names = [a["name"] for a in doc]
        for name in self.COACHES:
            self.assertIn(name, names)
        for a in doc:
            self.assertTrue(a["description"])
            self.assertNotIn("system", a)

    def test_list_columns_line_up_with_accented_names(self):
        # "créatif" is 7 columns and 8 bytes: padding by bytes put its description one column left.
        doc = self.webox("assistants", "list", "--json", check=0).json()
        lines = self.webox("assistants", "list", check=0).out.splitlines()
        self.assertTrue(any(a["name"] != a["name"].encode().decode("ascii", "ignore") for a in doc))
        for a, line in zip(doc, lines):
            self.assertEqual(line.index(a["description"]), 23, line)

    def test_show(self):
        r = self.webox("assistants", "show", "coach:rendez-vous", check=0)
        self.assertIn("name:        coach:rendez-vous", r.out)
        self.assertIn("consentement", r.out.lower())
        doc = self.webox("assistants", "show", "coach:séduction", "--json", check=0).json()
        self.assertEqual(doc["name"], "coach:seduction")
        self.assertIn("consentement", doc["system"].lower())
        self.assertEqual(doc["temperature"], 0.7)

    def test_every_coach_is_respectful(self):
        for name in self.COACHES:
            doc = self.webox("assistants", "show", name, "--json", check=0).json()
            system = doc["system"].lower()
            self.assertTrue("consentement" in system or "respect" in system, name)

    def test_chat_with_a_coach(self):
        r = self.webox("chat", "-m", "echo:messages", "--no-log", "--assistant", "coach:profil", "Ma bio ?", check=0)
        m = json.loads(r.out)
        self.assertEqual(m[0]["role"], "system")
        self.assertIn("profil", m[0]["content"])
        self.assertEqual(m[-1], {"role": "user", "content": "Ma bio ?"})

    def test_user_assistant_wins(self):
        d = os.path.join(self.home, "config", "webox", "prompts", "assistants")
        os.makedirs(d)
        with open(os.path.join(d, "mine.md"), "w") as f:
            f.write('---\nname: "coach:profil"\ndescription: le mien\n---\nMon prompt.\n')
        doc = self.webox("assistants", "show", "coach:profil", "--json", check=0).json()
        self.assertEqual(doc["system"].strip(), "Mon prompt.")

    def test_unknown(self):
        r = self.webox("assistants", "show", "coach:inconnu", check=2)
        self.assertIn("coach:seduction", r.err)
        r = self.webox("assistants", check=2)
        self.assertEqual(r.out, "")



class CompareTemplateTest(WeboxTestCase):
    """compare takes -t, --var and --assistant as chat does: every column
    gets the same filled prompt and system prompt."""

    def columns(self, *args, stdin=None):
        """The messages the echo:messages column got, and what the plain
        echo column answered (the last user message)."""
        r = self.webox("compare", "-m", "echo:messages", "-m", "echo", "--no-log", "--json", *args,
                       stdin=stdin, check=0)
        results = {c["model"]: c["text"] for c in json.loads(r.out)["results"]}
        return json.loads(results["echo:messages"]), results["echo:echo"]

    def test_template_fills_every_column(self):
        m, echoed = self.columns("-t", "resume-article", "--var", "language=français", "--var", "text=Un article.")
        self.assertIn("Summarise the following article in français.", m[-1]["content"])
        self.assertIn("Article:\nUn article.", m[-1]["content"])
        self.assertEqual(echoed, m[-1]["content"])

    def test_assistant_is_every_column_s_system_prompt(self):
        m, _ = self.columns("--assistant", "traducteur", "Good morning")
        self.assertEqual(m[0]["role"], "system")
        self.assertIn("tradu", m[0]["content"].lower())
        self.assertEqual(m[-1]["content"], "Good morning")
        # -s wins over the assistant's system prompt.
        m, _ = self.columns("--assistant", "traducteur", "-s", "Autre", "x")
        self.assertEqual(m[0]["content"], "Autre")

    def test_bad_input(self):
        r = self.webox("compare", "-m", "echo", "-m", "echo", "--no-log", "--var", "a=b", "x", check=2)
        self.assertIn("-t NAME", r.err)
        r = self.webox("compare", "-m", "echo", "-m", "echo", "--no-log", "--assistant", "personne", "x", check=2)
        self.assertIn("available:", r.err)
        r = self.webox("compare", "-m", "echo", "-m", "echo", "--no-log", "-t", "nulle-part", "x", check=2)
        self.assertIn("nulle-part", r.err)


if __name__ == "__main__":
    main()
