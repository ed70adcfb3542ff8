#!/usr/bin/env python3
"""Installing webox: `cmake --install` into a temporary prefix, the .deb
CPack makes, the plugin SDK, and an out-of-tree plugin built against it.

Everything runs the INSTALLED binary, never the build tree's: it must find
its plugins, phones module, prompts and data relative to itself. The
example plugin in examples/hello-plugin is built twice against the installed
SDK (find_package, then pkg-config and a plain compiler line) and loaded.

Needs WEBOX_BUILD_DIR and WEBOX_SOURCE_DIR (set by ctest).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cli"))
import harness  # noqa: E402

BUILD = os.environ.get("WEBOX_BUILD_DIR", "")
SOURCE = os.environ.get("WEBOX_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
PREFIX = None


def setUpModule():
    global PREFIX
    if not BUILD:
        raise unittest.SkipTest("WEBOX_BUILD_DIR is not set")
    PREFIX = tempfile.mkdtemp(prefix="webox-prefix-")
    proc = subprocess.run(["cmake", "--install", BUILD, "--prefix", PREFIX], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("cmake --install failed:\n" + proc.stdout + proc.stderr)


def tearDownModule():
    if PREFIX:
        shutil.rmtree(PREFIX, ignore_errors=True)


def built_plugins():
    """{id: manifest} for every plugin of the build tree."""
    out = {}
    for manifest in glob.glob(os.path.join(BUILD, "lib", "webox", "plugins", "*", "plugin.json")):
        with open(manifest) as f:
            m = json.load(f)
        out[m["id"]] = m
    return out


class InstalledTestCase(harness.WeboxTestCase):
    """Runs a given root's webox in an isolated HOME, cwd a scratch folder."""

    root = None  # set by subclasses: the prefix holding bin/webox

    def setUp(self):
        super().setUp()
        self.work = tempfile.mkdtemp(prefix="webox-install-work-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)
        super().tearDown()

    def run_cmd(self, argv, env=None, cwd=None, check=True, timeout=300):
        e = dict(self.env)
        if env:
            e.update(env)
        proc = subprocess.run(argv, capture_output=True, text=True, env=e, cwd=cwd or self.work, timeout=timeout)
        if check:
            self.assertEqual(proc.returncode, 0, f"{argv}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def installed(self, *args, env=None, check=True):
        return self.run_cmd([os.path.join(self.root(), "bin", "webox"), *args], env=env, check=check)

    def assert_finds_its_own_plugins(self, plugin_root):
        listing = json.loads(self.installed("plugins", "list", "--json").stdout)
        self.assertEqual(listing["problems"], [])
        ids = {p["id"]: p["dir"] for p in listing["plugins"]}
        self.assertEqual(set(ids), set(built_plugins()))
        for plugin_id, directory in ids.items():
            self.assertEqual(os.path.realpath(directory),
                             os.path.realpath(os.path.join(plugin_root, plugin_id)), plugin_id)

    def assert_tts_offline(self):
        out = os.path.join(self.work, "x.wav")
        # No proxy, no key, no base URL: espeak-ng must not need any.
        self.installed("tts", "bonjour", "-o", out)
        with open(out, "rb") as f:
            head = f.read(12)
        self.assertEqual(head[:4], b"RIFF")
        self.assertEqual(head[8:12], b"WAVE")
        self.assertGreater(os.path.getsize(out), 4000)


class PrefixInstallTest(InstalledTestCase):
    def root(self):
        return PREFIX

    def test_layout(self):
        p = PREFIX
        for plugin_id, manifest in built_plugins().items():
            folder = os.path.join(p, "lib", "webox", "plugins", plugin_id)
            self.assertTrue(os.path.isfile(os.path.join(folder, "plugin.json")), plugin_id)
            self.assertTrue(os.path.isfile(os.path.join(folder, manifest["library"])), plugin_id)
        for module in ("webox-phones.so", "webox-pdf.so"):
            if os.path.exists(os.path.join(BUILD, "lib", "webox", "modules", module)):
                self.assertTrue(os.path.isfile(os.path.join(p, "lib", "webox", "modules", module)), module)
        for sub in ("prompts", "data"):
            self.assertTrue(os.path.isdir(os.path.join(p, "share", "webox", sub)), sub)
        if os.path.isdir(os.path.join(SOURCE, "workflows")):
            self.assertTrue(os.path.isdir(os.path.join(p, "share", "webox", "workflows")))
        for page in glob.glob(os.path.join(SOURCE, "man", "*.[157]")):
            section = page.rsplit(".", 1)[1]
            self.assertTrue(os.path.isfile(os.path.join(p, "share", "man", "man" + section, os.path.basename(page))),
                            page)
        for f in ("share/bash-completion/completions/webox", "share/zsh/vendor-completions/_webox",
                  "share/fish/vendor_completions.d/webox.fish", "include/webox/plugin.h",
                  "include/webox/plugin.hpp", "share/webox/sdk/plugin.map", "lib/pkgconfig/webox-plugin.pc",
                  "lib/cmake/webox/weboxConfig.cmake", "lib/cmake/webox/weboxConfigVersion.cmake",
                  "lib/cmake/webox/weboxTargets.cmake", "lib/cmake/webox/WeboxAddPlugin.cmake"):
            self.assertTrue(os.path.isfile(os.path.join(p, f)), f)
        # The operations' JSON Schemas come with the SDK, every one of them.
        for schema in glob.glob(os.path.join(SOURCE, "plugins", "sdk", "schemas", "*.json")):
            f = os.path.join("share", "webox", "sdk", "schemas", os.path.basename(schema))
            self.assertTrue(os.path.isfile(os.path.join(p, f)), f)

    def test_installed_binary_finds_its_plugins_and_data(self):
        self.assertRegex(self.installed("--version").stdout, r"^webox \d+\.\d+\.\d+\n$")
        self.assertIn(os.path.realpath(os.path.join(PREFIX, "lib", "webox", "plugins")),
                      [os.path.realpath(d) for d in self.installed("plugins", "path").stdout.split("\n") if d])
        self.assert_finds_its_own_plugins(os.path.join(PREFIX, "lib", "webox", "plugins"))
        self.assertIn("loads and matches its manifest", self.installed("plugins", "info", "echo").stdout)
        self.assertEqual(self.installed("chat", "-m", "echo:echo", "hi").stdout, "hi\n")
        # An assistant's system prompt comes from <prefix>/share/webox/prompts.
        messages = json.loads(self.installed("chat", "-m", "echo:messages", "--assistant", "traducteur", "x").stdout)
        self.assertEqual(messages[0]["role"], "system")
        self.assertGreater(len(messages[0]["content"]), 20)

    def test_tts_offline(self):
        self.assert_tts_offline()

    def test_man_pages_render(self):
        for page in ("man1/webox.1", "man1/webox-completions.1", "man7/webox-plugins.7"):
            path = os.path.join(PREFIX, "share", "man", page)
            proc = self.run_cmd(["man", "--warnings", "-l", path], env={"MANPAGER": "cat", "MANWIDTH": "80"})
            self.assertEqual(proc.stderr, "", page)
            self.assertIn("NAME", proc.stdout)
            self.assertIn("webox", proc.stdout)

    def test_installed_completions_match_the_binary_and_complete(self):
        script = os.path.join(PREFIX, "share", "bash-completion", "completions", "webox")
        with open(script) as f:
            self.assertEqual(f.read(), self.installed("completions", "bash").stdout)
        path = os.path.join(PREFIX, "bin") + os.pathsep + self.env["PATH"]
        program = ('source "$1"; COMP_WORDBREAKS=":"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; _webox; '
                   'printf "%s\\n" "${COMPREPLY[@]}"')
        out = self.run_cmd(["bash", "-c", program, "bash", script, "webox plugins l"], env={"PATH": path}).stdout
        self.assertEqual(out, "list\n")
        out = self.run_cmd(["bash", "-c", program, "bash", script, "webox tts -m esp"], env={"PATH": path}).stdout
        self.assertIn("espeak:espeak-ng\n", out)

    # --- the SDK --------------------------------------------------------------

    def check_hello_loads(self, plugin_dir):
        env = {"WEBOX_PLUGIN_PATH": plugin_dir}
        listed = self.installed("plugins", "list", env=env).stdout
        self.assertRegex(listed, r"(?m)^hello +1\.0\.0 +chat\b")
        info = self.installed("plugins", "info", "hello", env=env).stdout
        self.assertIn("hello 1.0.0: loads and matches its manifest", info)
        self.assertEqual(self.installed("chat", "-m", "hello:world", "hi", env=env).stdout,
                         "Hello, world! You said: hi\n")
        self.assertEqual(self.installed("chat", "-m", "hello:shout", "hi", env=env).stdout,
                         "HELLO, WORLD! YOU SAID: HI\n")
        models = self.installed("completions", "--models-for", "chat", env=env).stdout.split("\n")
        self.assertIn("hello:world", models)
        exports = self.run_cmd([os.path.join(SOURCE, "tests", "abi", "check_exports.sh"), plugin_dir])
        self.assertIn("1 plugins checked", exports.stdout)

    def test_example_plugin_builds_with_find_package_and_loads(self):
        build = os.path.join(self.work, "build")
        env = {"CMAKE_PREFIX_PATH": PREFIX}
        self.run_cmd(["cmake", "-S", os.path.join(SOURCE, "examples", "hello-plugin"), "-B", build,
                      "-DCMAKE_BUILD_TYPE=Release"], env=env)
        self.run_cmd(["cmake", "--build", build], env=env)
        self.assertTrue(os.path.isfile(os.path.join(build, "plugins", "hello", "plugin.json")))
        self.check_hello_loads(os.path.join(build, "plugins"))

    def test_example_plugin_builds_with_pkg_config_and_loads(self):
        env = {"PKG_CONFIG_PATH": os.path.join(PREFIX, "lib", "pkgconfig")}
        flags = self.run_cmd(["pkg-config", "--cflags", "--libs", "webox-plugin"], env=env).stdout.split()
        plugin_dir = os.path.join(self.work, "plugins", "hello")
        os.makedirs(plugin_dir)
        example = os.path.join(SOURCE, "examples", "hello-plugin")
        self.run_cmd(["c++", "-std=c++17", "-O2", "-fPIC", "-shared", os.path.join(example, "hello.cpp"),
                      *flags, "-o", os.path.join(plugin_dir, "webox-hello.so")])
        shutil.copy(os.path.join(example, "plugin.json"), plugin_dir)
        self.check_hello_loads(os.path.dirname(plugin_dir))
        plugindir = self.run_cmd(["pkg-config", "--variable=plugindir", "webox-plugin"], env=env).stdout.strip()
        self.assertEqual(os.path.realpath(plugindir), os.path.realpath(os.path.join(PREFIX, "lib", "webox", "plugins")))

    def test_sdk_rejects_a_manifest_that_disagrees(self):
        project = os.path.join(self.work, "bad")
        os.makedirs(project)
        example = os.path.join(SOURCE, "examples", "hello-plugin")
        shutil.copy(os.path.join(example, "hello.cpp"), project)
        with open(os.path.join(example, "plugin.json")) as f:
            manifest = json.load(f)
        manifest["id"] = "other"
        with open(os.path.join(project, "plugin.json"), "w") as f:
            json.dump(manifest, f)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.16)\nproject(bad CXX)\nfind_package(webox REQUIRED)\n"
                    "webox_add_plugin(hello SOURCES hello.cpp)\n")
        proc = self.run_cmd(["cmake", "-S", project, "-B", os.path.join(project, "build")],
                            env={"CMAKE_PREFIX_PATH": PREFIX}, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("id is 'other'", proc.stderr)


@unittest.skipUnless(shutil.which("dpkg-deb") and shutil.which("cpack"), "dpkg-deb or cpack missing")
class DebPackageTest(InstalledTestCase):
    """cpack -G DEB, then `dpkg -x` into a scratch root (no root privileges)."""

    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="webox-deb-")
        proc = subprocess.run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"),
                               "-B", cls.out], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError("cpack failed:\n" + proc.stdout + proc.stderr)
        debs = glob.glob(os.path.join(cls.out, "*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]
        cls.scratch = os.path.join(cls.out, "root")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.scratch], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def root(self):
        return os.path.join(self.scratch, "usr")

    def test_control_declares_dependencies(self):
        fields = self.run_cmd(["dpkg-deb", "-f", self.deb, "Package", "Depends", "Recommends"]).stdout
        self.assertIn("Package: webox", fields)
        depends = [d.strip().split(" ")[0] for d in fields.split("Depends:", 1)[1].split("\n")[0].split(",")]
        # Found by dpkg-shlibdeps in the ELF files, not listed by hand.
        for package in ("libc6", "libcurl4", "libespeak-ng1", "libsqlite3-0"):
            self.assertIn(package, depends)
        self.assertIn("espeak-ng-data", depends)
        self.assertIn("pocketsphinx-en-us", fields)

    def test_extracted_package_runs(self):
        self.assertRegex(self.installed("--version").stdout, r"^webox \d+\.\d+\.\d+\n$")
        self.assert_finds_its_own_plugins(os.path.join(self.root(), "lib", "webox", "plugins"))
        self.assert_tts_offline()
        for f in ("share/bash-completion/completions/webox", "share/man/man1/webox.1.gz",
                  "include/webox/plugin.h", "lib/cmake/webox/weboxConfig.cmake"):
            self.assertTrue(os.path.exists(os.path.join(self.root(), f)) or
                            os.path.exists(os.path.join(self.root(), f[:-3])), f)


if __name__ == "__main__":
    harness.main()
