#!/usr/bin/env python3
"""webox completions: the bash, zsh and fish scripts generated from the
command tree, and the model names they ask webox for at Tab time.

The scripts are exercised for real: bash by calling the completion function
with COMP_LINE/COMP_POINT set as readline would, fish with `complete -C`,
zsh by syntax check and by querying its command table.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# bash's default, set explicitly: a non-interactive bash may leave it unset.
WORDBREAKS = "\"'><=;|&(:"


class CompletionsTest(harness.WeboxTestCase):
    def setUp(self):
        super().setUp()
        # The scripts call the `webox` they complete; make it the one under test.
        self.env["PATH"] = os.path.dirname(os.path.abspath(harness.WEBOX)) + os.pathsep + self.env.get("PATH", "")
        self.cwd = tempfile.mkdtemp(prefix="webox-compl-cwd-")

    def tearDown(self):
        shutil.rmtree(self.cwd, ignore_errors=True)
        super().tearDown()

    def script(self, shell):
        r = self.webox("completions", shell, check=0)
        self.assertEqual(r.err, "")
        path = os.path.join(self.home, "webox." + shell)
        with open(path, "w") as f:
            f.write(r.out)
        return path

    def bash_complete(self, line):
        """The replies bash would offer with the cursor at the end of `line`."""
        script = self.script("bash")
        program = ('source "$1"; COMP_WORDBREAKS="$2"; COMP_LINE="$3"; COMP_POINT=${#COMP_LINE}\n'
                   '_webox\n'
                   'printf "%s\\n" "${COMPREPLY[@]}"\n')
        proc = subprocess.run(["bash", "-c", program, "bash", script, WORDBREAKS, line], capture_output=True,
                              text=True, env=self.env, cwd=self.cwd, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return [w for w in proc.stdout.split("\n") if w]

    def root_commands(self):
        """The subcommands webox --help lists, to compare the scripts with."""
        r = self.webox("--help", check=0)
        lines = r.out.split("\n")
        start = lines.index("Subcommands:") + 1
        names = []
        for line in lines[start:]:
            if not line.startswith("  "):
                break
            names.append(line.split()[0])
        self.assertIn("chat", names)
        return names

    # --- bash -----------------------------------------------------------------

    def test_bash_script_parses(self):
        proc = subprocess.run(["bash", "-n", self.script("bash")], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_bash_completes_every_command_from_the_tree(self):
        self.assertEqual(sorted(self.bash_complete("webox ")), sorted(self.root_commands()))
        self.assertEqual(self.bash_complete("webox pl"), ["plugins"])
        self.assertEqual(self.bash_complete("webox compl"), ["completions"])

    def test_bash_completes_nested_commands_and_options(self):
        self.assertEqual(sorted(self.bash_complete("webox plugins ")), ["info", "list", "path"])
        self.assertEqual(self.bash_complete("webox plugins list --j"), ["--json"])
        self.assertEqual(self.bash_complete("webox chat --mo"), ["--model"])
        # Global flags are offered after a command too (the root falls through).
        self.assertIn("--plugin-dir", self.bash_complete("webox chat --"))
        self.assertIn("--version", self.bash_complete("webox --"))

    def test_bash_skips_option_values(self):
        # "plugins" is the value of --plugin-dir here, not the command.
        replies = self.bash_complete("webox --plugin-dir plugins ")
        self.assertIn("chat", replies)
        self.assertNotIn("info", replies)
        # ... while a flag takes none: "pl" is a command again.
        self.assertEqual(self.bash_complete("webox -v pl"), ["plugins"])
        self.assertEqual(self.bash_complete("webox plugins --help l"), ["list"])

    def test_bash_subcommand_letter_wins_over_global_flag(self):
        # tts -v is --voice (takes a value), not the global --verbose: a file
        # name is offered after it, not a command.
        open(os.path.join(self.cwd, "voice-notes.txt"), "w").close()
        self.assertEqual(self.bash_complete("webox tts -v voi"), ["voice-notes.txt"])
        self.assertEqual(self.bash_complete("webox chat -v ch"), [])

    def test_bash_completes_model_names_from_manifests(self):
        replies = self.bash_complete("webox chat -m ech")
        self.assertIn("echo:echo", replies)
        self.assertIn("echo:fail-auth", replies)
        # bash replaces only what follows the last colon.
        self.assertEqual(self.bash_complete("webox chat -m echo:mes"), ["messages"])
        self.assertIn("echo:echo", self.bash_complete("webox compare --judge e"))

    def test_bash_models_match_the_command(self):
        tts = self.bash_complete("webox tts -m ")
        self.assertIn("espeak:espeak-ng", tts)
        self.assertNotIn("echo:echo", tts)
        self.assertNotIn("espeak:espeak-ng", self.bash_complete("webox chat -m "))

    # --- the model list the scripts call ------------------------------------

    def test_models_come_from_manifests_without_loading(self):
        # A plugin whose library is garbage: listing its models must not load it.
        plugin = os.path.join(self.home, "plugins", "unloadable")
        os.makedirs(plugin)
        with open(os.path.join(plugin, "plugin.json"), "w") as f:
            f.write('{"id":"unloadable","name":"U","version":"1.0","library":"webox-unloadable.so",'
                    '"abi":{"major":1,"min_host_minor":0},"capabilities":["chat"],"secrets":[],'
                    '"models":["m1","m2"],"description":""}')
        with open(os.path.join(plugin, "webox-unloadable.so"), "w") as f:
            f.write("not an ELF file")
        r = self.webox("--plugin-dir", os.path.dirname(plugin), "completions", "--models-for", "chat", check=0)
        lines = r.out.split("\n")
        self.assertIn("unloadable:m1", lines)
        self.assertIn("unloadable:m2", lines)
        self.assertIn("echo:echo", lines)
        r = self.webox("--plugin-dir", os.path.dirname(plugin), "plugins", "info", "unloadable")
        self.assertNotEqual(r.code, 0)  # the control: loading it does fail

    def test_models_include_configured_aliases(self):
        os.makedirs(os.path.join(self.home, "config", "webox"))
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write("aliases:\n  fast: echo:echo\n")
        self.assertIn("fast", self.webox("completions", "--models-for", "chat", check=0).out.split("\n"))
        self.assertNotIn("fast", self.webox("completions", "--models-for", "tts", check=0).out.split("\n"))

    # --- zsh and fish -------------------------------------------------------

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_zsh_script_parses_and_knows_the_tree(self):
        script = self.script("zsh")
        with open(script) as f:
            text = f.read()
        self.assertTrue(text.startswith("#compdef webox\n"))
        proc = subprocess.run(["zsh", "-n", script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # Its table, without the final call that only works inside compsys.
        body = text.rsplit('_webox "$@"', 1)[0]
        program = body + '\n_webox_node ""; print -l ${_webox_subs%%:*}\n_webox_node "chat"; print -l -- $_webox_models\n'
        proc = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True, env=self.env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.split("\n")
        for name in self.root_commands():
            self.assertIn(name, lines)
        self.assertIn("--model", lines)

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed")
    def test_fish_script_parses_and_completes(self):
        script = self.script("fish")
        proc = subprocess.run(["fish", "--no-execute", script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

        def complete(line):
            proc = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C {line!r}"],
                                  capture_output=True, text=True, env=self.env, cwd=self.cwd, timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            return [w.split("\t")[0] for w in proc.stdout.split("\n") if w]

        self.assertEqual(complete("webox pl"), ["plugins"])
        self.assertEqual(sorted(complete("webox plugins ")), ["info", "list", "path"])
        self.assertIn("echo:echo", complete("webox chat -m "))
        self.assertIn("espeak:espeak-ng", complete("webox tts --model "))
        self.assertIn("--json", complete("webox plugins list --"))

    # --- bad input ------------------------------------------------------------

    def test_unknown_shell_is_a_usage_error(self):
        r = self.webox("completions", "tcsh")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "")
        self.assertIn("tcsh", r.err)

    def test_missing_shell_is_a_usage_error(self):
        r = self.webox("completions")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "")
        self.assertIn("bash, zsh or fish", r.err)


if __name__ == "__main__":
    harness.main()
