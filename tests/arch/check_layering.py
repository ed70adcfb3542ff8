#!/usr/bin/env python3
"""The include arrows webox allows, checked on every #include of the tree.

    plugins/<id>/   -> its own folder, plugins/common/, the SDK, system headers
    plugins/common/ -> itself, the SDK, system headers
    plugins/common/shared/ -> itself, system and third-party headers; not the SDK
                      (the host includes it too)
    lib/, cli/      -> from plugins/ only plugins/common/shared/ and the SDK
    lib/            -> never cli/
    lib/store/      -> never lib/plugin/ (the store knows nothing of plugins)
    SQLite's API    -> only the SQLite backend (lib/store/sqlite_*): everything
                      else, tests included, goes through store::Db, Statement
                      and Column (lib/store/sql.hpp), so that it runs on every
                      backend; neither <SQLiteCpp/...> nor <sqlite3.h> is
                      included, nor SQLite:: named, anywhere else

A plugin is a shared object built against the C ABI alone: reaching into
lib/ would compile host code into it behind the ABI's back. The compiler
already refuses most of it (plugins have only the SDK and plugins/common/ on
their include path, see cmake/WeboxPlugin.cmake); this test also catches what
the include path cannot: a relative "../../lib/x.hpp", one plugin reaching
into another's folder, and the arrows inside lib/.

Usage: check_layering.py [SOURCE_DIR]. Before reading the tree it checks that
each rule flags a made-up offender, so that a rule matching nothing cannot pass
silently. Exit 0 when every include is allowed, 1 with one line per offence.
"""
import os
import posixpath
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_EXT = (".c", ".cc", ".cpp", ".h", ".hh", ".hpp", ".inc")
# Top-level folders of the repository: an include spelled from the root.
REPO_ROOTS = ("lib/", "cli/", "plugins/", "tests/", "fuzz/", "bench/")
SDK = "plugins/sdk/include/"
COMMON = "plugins/common/"
SHARED = "plugins/common/shared/"
SQLITE_BACKEND = "lib/store/sqlite_"
SQLITE_HEADERS = ("SQLiteCpp/", "sqlite3.h")
SQLITE_NAME = re.compile(r"\bSQLite::")
SQLITE_RULE = "only the SQLite backend (lib/store/sqlite_*) uses SQLite's API; use store::Statement (lib/store/sql.hpp)"


def sqlite_offence(src, line):
    """Why a line of `src` uses SQLite's API outside the SQLite backend, or None."""
    if src.startswith(SQLITE_BACKEND):
        return None
    m = INCLUDE.match(line)
    if m and m.group(2).startswith(SQLITE_HEADERS):
        return SQLITE_RULE
    code = line.split("//", 1)[0]
    if not m and SQLITE_NAME.search(code):
        return SQLITE_RULE
    return None


def resolve(src, kind, target, exists):
    """The repository path `target` names when included from `src`, or None
    for a system / third-party header. `exists(path)` says whether a file is
    in the tree."""
    if kind == '"':
        local = posixpath.normpath(posixpath.join(posixpath.dirname(src), target))
        if exists(local):
            return local
    for base in ("", SDK):
        path = posixpath.normpath(base + target)
        if (target.startswith(REPO_ROOTS) or base) and exists(path):
            return path
    if target.startswith(REPO_ROOTS):
        return target  # spelled from the root but absent: still judged by where it points
    return None


def offence(src, kind, target, exists):
    """Why `#include <kind>target` in `src` breaks a rule, or None."""
    path = resolve(src, kind, target, exists)
    if path is None or path.startswith(SDK):
        if src.startswith(SHARED) and path is not None:
            return "plugins/common/shared/ is used by the host too: no SDK header"
        return None
    if src.startswith(SHARED):
        return None if path.startswith(SHARED) else "plugins/common/shared/ may include only itself and system headers"
    if src.startswith(COMMON):
        return None if path.startswith(COMMON) else "plugins/common/ may include only itself, the SDK and system headers"
    if src.startswith("plugins/"):
        own = "/".join(src.split("/")[:2]) + "/"
        if path.startswith(own) or path.startswith(COMMON):
            return None
        return "a plugin may include only its own folder, plugins/common/, the SDK and system headers"
    if src.startswith(("lib/", "cli/")) and path.startswith("plugins/") and not path.startswith(SHARED):
        return "lib/ and cli/ may include from plugins/ only plugins/common/shared/ and the SDK"
    if src.startswith("lib/"):
        if path.startswith("cli/"):
            return "lib/ must not include cli/ (the CLI calls lib/, never the other way)"
        if src.startswith("lib/store/") and path.startswith("lib/plugin/"):
            return "lib/store/ must not include lib/plugin/ (the store knows nothing of the plugin host)"
    return None


def self_test():
    """Each rule flags a made-up offender; allowed arrows pass."""
    tree = {"lib/media/wav_user.cpp", "lib/leads/mojibake.hpp", "lib/core/error.hpp", "cli/output.hpp", "lib/plugin/host.hpp",
            "plugins/common/shared/wav.hpp", "plugins/common/provider_kit.hpp", "plugins/sdk/include/webox/plugin.hpp",
            "plugins/espeak/engine.hpp", "plugins/openai/identity.hpp"}
    exists = tree.__contains__
    refused, allowed = False, True
    cases = [("plugins/espeak/espeak.cpp", '"', "lib/leads/mojibake.hpp", refused),
             ("plugins/espeak/espeak.cpp", '"', "../../lib/leads/mojibake.hpp", refused),
             ("plugins/espeak/espeak.cpp", '"', "plugins/openai/identity.hpp", refused),
             ("plugins/espeak/espeak.cpp", "<", "lib/media/wav.hpp", refused),
             ("plugins/common/social_kit.hpp", '"', "../openai/identity.hpp", refused),
             ("plugins/common/social_kit.hpp", '"', "lib/core/error.hpp", refused),
             ("plugins/common/shared/mojibake.cpp", "<", "webox/plugin.hpp", refused),
             ("plugins/common/shared/mojibake.cpp", '"', "../provider_kit.hpp", refused),
             ("plugins/common/shared/mojibake.cpp", '"', "plugins/common/provider_kit.hpp", refused),
             ("lib/chat/session.cpp", '"', "cli/output.hpp", refused),
             ("lib/chat/session.cpp", '"', "plugins/common/provider_kit.hpp", refused),
             ("lib/store/db.cpp", '"', "lib/plugin/host.hpp", refused),
             ("plugins/espeak/espeak.cpp", '"', "engine.hpp", allowed),
             ("plugins/espeak/espeak.cpp", '"', "plugins/common/shared/wav.hpp", allowed),
             ("plugins/espeak/espeak.cpp", '"', "plugins/common/provider_kit.hpp", allowed),
             ("plugins/espeak/espeak.cpp", "<", "webox/plugin.hpp", allowed),
             ("plugins/espeak/espeak.cpp", "<", "espeak-ng/espeak_ng.h", allowed),
             ("plugins/common/provider_kit.hpp", "<", "webox/plugin.hpp", allowed),
             ("plugins/common/shared/mojibake.cpp", "<", "string", allowed),
             ("lib/media/generate.cpp", '"', "plugins/common/shared/wav.hpp", allowed),
             ("lib/chat/session.cpp", '"', "lib/plugin/host.hpp", allowed),
             ("lib/chat/session.cpp", "<", "webox/plugin.hpp", allowed)]
    wrong = []
    sqlite_cases = [("lib/leads/leads_store.cpp", "#include <SQLiteCpp/SQLiteCpp.h>", refused),
                    ("tests/unit/test_x.cpp", "#include <sqlite3.h>", refused),
                    ("lib/export/row_source.cpp", "  SQLite::Statement q(db.sql(), \"SELECT 1\");", refused),
                    ("lib/store/sqlite_backend.cpp", "#include <sqlite3.h>", allowed),
                    ("lib/store/sqlite_backend.cpp", "  SQLite::Database db;", allowed),
                    ("lib/export/row_source.cpp", "  store::Statement q(db, \"SELECT 1\"); // was SQLite::Statement", allowed)]
    for src, line, ok in sqlite_cases:
        if (sqlite_offence(src, line) is None) != ok:
            wrong.append(f"self-test: {src}: {line.strip()} should be {'allowed' if ok else 'refused'}")
    for src, kind, target, ok in cases:
        if (offence(src, kind, target, exists) is None) != ok:
            close = ">" if kind == "<" else '"'
            wrong.append(f"self-test: {src}: #include {kind}{target}{close} should be {'allowed' if ok else 'refused'}")
    return wrong


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    failures = self_test()
    files = set()
    for top in ("lib", "plugins", "cli", "tests", "fuzz", "bench"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                files.add(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))

    def exists(path):
        return path in files or os.path.isfile(os.path.join(root, path))

    checked = 0
    for src in sorted(f for f in files if f.endswith(SOURCE_EXT)):
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                sqlite_why = sqlite_offence(src, line)
                if sqlite_why:
                    failures.append(f"{src}:{number}: {line.strip()}: {sqlite_why}")
                m = INCLUDE.match(line)
                if not m:
                    continue
                checked += 1
                why = offence(src, m.group(1), m.group(2), exists)
                if why:
                    spelled = m.group(0).strip()
                    failures.append(f"{src}:{number}: {spelled}: {why}")
    for line in failures:
        print(line)
    if failures:
        print(f"arch: {len(failures)} include(s) break the layering (see CONTRIBUTING.md, 'Layering')")
        return 1
    print(f"arch: {checked} includes in lib/, cli/, plugins/, tests/, fuzz/ and bench/ follow the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main())
