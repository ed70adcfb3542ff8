// `webox completions bash|zsh|fish`: shell completion scripts generated from
// the command tree itself.
//
// The generator walks the CLI11 app (subcommands, options, whether an option
// takes a value), so a new cmd_*.cpp is completed without anyone editing a
// completion file. Each script holds one "node" per command path ("" for the
// root, "plugins list" for a nested one) with its subcommands, its options,
// the options that take a value (so that a value is never mistaken for a
// subcommand) and the options that take a model. Global flags are offered at
// every level because the root falls through (`webox chat -v`), except where
// the subcommand reuses the letter (`tts -v`, the deprecated spelling of
// --voice). Hidden options (CLI11's empty group: deprecated spellings) are
// never offered, but still count as taking a value and as shadowing a global
// flag, as they do for the parser.
//
// Model names are NOT frozen into the script: at completion time it runs the
// hidden `webox completions --models-for <command>`, which reads the installed
// plugins' manifests (no plugin is loaded, a few milliseconds) and so also
// offers plugins installed later or found through WEBOX_PLUGIN_PATH.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <webox/plugin.h>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

struct OptionSpec {
  std::vector<std::string> names; // "-m", "--model"
  std::string description;
  bool takes_value = false;
  bool takes_model = false;
  bool hidden = false; // not offered; known so that its value is skipped
};

struct Node {
  std::string path; // "" for webox itself, "plugins list" for a nested command
  std::vector<std::pair<std::string, std::string>> subcommands; // name, description
  std::vector<OptionSpec> options;
};

// Options whose value is a provider:model.
bool is_model_option(const CLI::Option &opt) {
  for (const auto &n : opt.get_lnames())
    if (n == "model" || n == "judge") return true;
  return false;
}

// CLI11 keeps option groups as subcommands without a name; their options
// belong to the command that holds them.
bool is_option_group(const CLI::App *sub) { return sub->get_name().empty(); }

std::vector<OptionSpec> own_options(const CLI::App &app) {
  std::vector<OptionSpec> out;
  for (const CLI::Option *opt : app.get_options([](const CLI::Option *o) { return o->nonpositional(); })) {
    OptionSpec spec;
    spec.hidden = opt->get_group().empty(); // CLI11's way of hiding an option from --help
    for (const auto &s : opt->get_snames()) spec.names.push_back("-" + s);
    for (const auto &l : opt->get_lnames()) spec.names.push_back("--" + l);
    spec.description = opt->get_description();
    spec.takes_value = opt->get_expected_max() > 0; // flags expect 0 values
    spec.takes_model = is_model_option(*opt);
    out.push_back(std::move(spec));
  }
  for (const CLI::App *group : app.get_subcommands(is_option_group)) {
    std::vector<OptionSpec> more = own_options(*group);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

// Adds the root's options that the subcommand does not shadow.
void add_global_options(std::vector<OptionSpec> &options, const std::vector<OptionSpec> &globals) {
  std::set<std::string> taken;
  for (const auto &o : options) taken.insert(o.names.begin(), o.names.end());
  for (const auto &g : globals) {
    OptionSpec kept = g;
    kept.names.clear();
    for (const auto &n : g.names)
      if (!taken.count(n)) kept.names.push_back(n);
    if (!kept.names.empty()) options.push_back(std::move(kept));
  }
}

void collect(const CLI::App &app, const std::string &path, const std::vector<OptionSpec> &globals,
             std::vector<Node> &nodes) {
  Node node;
  node.path = path;
  node.options = own_options(app);
  if (!path.empty()) add_global_options(node.options, globals);
  std::vector<const CLI::App *> subs =
      app.get_subcommands([](const CLI::App *s) { return !is_option_group(s) && !s->get_group().empty(); });
  for (const CLI::App *sub : subs) node.subcommands.emplace_back(sub->get_name(), sub->get_description());
  nodes.push_back(std::move(node));
  for (const CLI::App *sub : subs) collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), globals, nodes);
}

std::vector<Node> command_tree(const CLI::App &root) {
  std::vector<Node> nodes;
  collect(root, "", own_options(root), nodes);
  return nodes;
}

// ---- Quoting -----------------------------------------------------------------

// 'text' for POSIX shells, zsh and fish alike (fish also treats \ specially).
std::string single_quoted(const std::string &text, bool fish = false) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += fish ? "\\'" : "'\\''";
    else if (fish && c == '\\') out += "\\\\";
    else out += c;
  }
  return out + "'";
}

std::string one_line(std::string text) {
  for (char &c : text)
    if (c == '\n' || c == '\t') c = ' ';
  return text;
}

std::string words(const std::vector<std::string> &items) {
  std::string out;
  for (const auto &i : items) out += (out.empty() ? "" : " ") + i;
  return out;
}

std::vector<std::string> sub_names(const Node &n) {
  std::vector<std::string> out;
  for (const auto &s : n.subcommands) out.push_back(s.first);
  return out;
}

std::vector<std::string> option_names(const Node &n, bool (*keep)(const OptionSpec &)) {
  std::vector<std::string> out;
  for (const auto &o : n.options)
    if (keep(o)) out.insert(out.end(), o.names.begin(), o.names.end());
  return out;
}

bool offered_option(const OptionSpec &o) { return !o.hidden; }
bool valued_option(const OptionSpec &o) { return o.takes_value; }
bool model_option(const OptionSpec &o) { return o.takes_model; }

constexpr const char *kGenerated = "generated by `webox completions` from the command tree; do not edit.";

// ---- bash --------------------------------------------------------------------

// The current word is taken from COMP_LINE split at blanks rather than from
// COMP_WORDS, which bash also splits at ':' (COMP_WORDBREAKS): a model name
// "openai:gpt-4o" is one word here. The replies are then cut back to what
// bash will replace, the part after the last colon.
std::string bash_script(const std::vector<Node> &nodes) {
  std::string s = "# bash completion for webox; " + std::string(kGenerated) + "\n\n";
  s += "_webox_node() {\n  case \"$1\" in\n";
  for (const auto &n : nodes) {
    s += "    " + single_quoted(n.path) + ")\n";
    s += "      _webox_subs=" + single_quoted(words(sub_names(n))) + "\n";
    s += "      _webox_opts=" + single_quoted(words(option_names(n, offered_option))) + "\n";
    s += "      _webox_valued=" + single_quoted(words(option_names(n, valued_option))) + "\n";
    s += "      _webox_models=" + single_quoted(words(option_names(n, model_option))) + " ;;\n";
  }
  s += R"SCRIPT(  esac
}

_webox() {
  local line="${COMP_LINE:0:COMP_POINT}" cur="" node="" skip=0 i w
  local _webox_subs _webox_opts _webox_valued _webox_models
  local -a words
  read -ra words <<< "$line"
  if [[ -n $line && $line != *[[:space:]] && ${#words[@]} -gt 1 ]]; then
    cur="${words[${#words[@]}-1]}"
    unset 'words[${#words[@]}-1]'
  fi
  _webox_node ""
  for ((i = 1; i < ${#words[@]}; i++)); do
    w="${words[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ " $_webox_valued " == *" $w "* ]]; then skip=1; continue; fi
    if [[ " $_webox_subs " == *" $w "* ]]; then
      node="${node:+$node }$w"
      _webox_node "$node"
    fi
  done
  COMPREPLY=()
  if ((skip)); then
    local option="${words[${#words[@]}-1]}"
    if [[ " $_webox_models " == *" $option "* ]]; then
      local IFS=$'\n'
      COMPREPLY=($(compgen -W "$("${words[0]}" completions --models-for "${node%% *}" 2>/dev/null)" -- "$cur"))
      if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local before_colon="${cur%"${cur##*:}"}"
        COMPREPLY=("${COMPREPLY[@]#"$before_colon"}")
      fi
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$_webox_opts" -- "$cur"))
  elif [[ -n $_webox_subs ]]; then
    COMPREPLY=($(compgen -W "$_webox_subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

complete -F _webox webox
)SCRIPT";
  return s;
}

// ---- zsh ---------------------------------------------------------------------

// `_describe` entries are "name:description"; a colon in the name would
// need escaping, and CLI11 names have none.
std::string zsh_described(const std::vector<std::pair<std::string, std::string>> &items) {
  std::string out;
  for (const auto &[name, description] : items)
    out += (out.empty() ? "" : " ") + single_quoted(name + ":" + one_line(description));
  return out;
}

std::string zsh_script(const std::vector<Node> &nodes) {
  std::string s = "#compdef webox\n# zsh completion for webox; " + std::string(kGenerated) + "\n\n";
  s += "_webox_node() {\n  case \"$1\" in\n";
  for (const auto &n : nodes) {
    std::vector<std::pair<std::string, std::string>> options;
    for (const auto &o : n.options)
      if (!o.hidden)
        for (const auto &name : o.names) options.emplace_back(name, o.description);
    s += "    " + single_quoted(n.path) + ")\n";
    s += "      _webox_subs=(" + zsh_described(n.subcommands) + ")\n";
    s += "      _webox_opts=(" + zsh_described(options) + ")\n";
    s += "      _webox_valued=(" + words(option_names(n, valued_option)) + ")\n";
    s += "      _webox_models=(" + words(option_names(n, model_option)) + ") ;;\n";
  }
  s += R"SCRIPT(  esac
}

_webox() {
  local -a _webox_subs _webox_opts _webox_valued _webox_models models
  local node="" w
  integer i skip=0
  _webox_node ""
  for (( i = 2; i < CURRENT; i++ )); do
    w=${words[i]}
    if (( skip )); then skip=0; continue; fi
    if (( ${_webox_valued[(Ie)$w]} )); then skip=1; continue; fi
    if (( ${${_webox_subs%%:*}[(Ie)$w]} )); then
      node=${node:+$node }$w
      _webox_node "$node"
    fi
  done
  if (( skip )); then
    if (( ${_webox_models[(Ie)${words[CURRENT-1]}]} )); then
      models=(${(f)"$(${words[1]} completions --models-for "${node%% *}" 2>/dev/null)"})
      compadd -a models
    else
      _files
    fi
  elif [[ $PREFIX == -* ]]; then
    _describe -t options option _webox_opts
  elif (( $#_webox_subs )); then
    _describe -t commands command _webox_subs
  else
    _files
  fi
}

_webox "$@"
)SCRIPT";
  return s;
}

// ---- fish --------------------------------------------------------------------

std::string fish_script(const std::vector<Node> &nodes) {
  std::string s = "# fish completion for webox; " + std::string(kGenerated) + "\n\n";
  s += "function __webox_subs\n    switch $argv[1]\n";
  for (const auto &n : nodes)
    if (!n.subcommands.empty())
      s += "        case " + single_quoted(n.path, true) + "\n            printf '%s\\n' " + words(sub_names(n)) + "\n";
  s += "    end\nend\n\nfunction __webox_valued\n    switch $argv[1]\n";
  for (const auto &n : nodes) {
    std::vector<std::string> valued = option_names(n, valued_option);
    if (!valued.empty())
      s += "        case " + single_quoted(n.path, true) + "\n            printf '%s\\n' " + words(valued) + "\n";
  }
  s += R"SCRIPT(    end
end

# The command path typed so far ("", "chat", "plugins list"), option values skipped.
function __webox_node
    set -l node ''
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        if contains -- $w (__webox_valued "$node")
            set skip 1
        else if contains -- $w (__webox_subs "$node")
            set node (string trim -- "$node $w")
        end
    end
    echo $node
end

function __webox_at
    set -l node (__webox_node)
    test "$node" = "$argv[1]"
end

function __webox_models
    set -l webox (commandline -opc)[1]
    $webox completions --models-for $argv[1] 2>/dev/null
end

complete -c webox -f
)SCRIPT";
  for (const auto &n : nodes) {
    // Command paths are CLI11 names and blanks: no quote to escape.
    std::string at = "'__webox_at \"" + n.path + "\"'";
    for (const auto &[name, description] : n.subcommands)
      s += "complete -c webox -n " + at + " -a " + single_quoted(name, true) + " -d " + single_quoted(one_line(description), true) + "\n";
    for (const auto &o : n.options) {
      if (o.hidden) continue;
      std::string line = "complete -c webox -n " + at;
      for (const auto &name : o.names) line += (name.size() == 2 ? " -s " + name.substr(1) : " -l " + name.substr(2));
      if (o.takes_model)
        line += " -x -a " + single_quoted("(__webox_models " + (n.path.empty() ? std::string("''") : n.path.substr(0, n.path.find(' '))) + ")", true);
      else if (o.takes_value)
        line += " -r -F";
      s += line + " -d " + single_quoted(one_line(o.description), true) + "\n";
    }
  }
  return s;
}

// ---- Model names for the scripts ---------------------------------------------

// What a command's -m accepts, by capability, so that `tts -m` offers voices
// engines and `chat -m` chat models.
uint64_t capabilities_for(const std::string &command) {
  if (command == "tts") return WEBOX_CAP_TTS;
  if (command == "transcribe") return WEBOX_CAP_STT;
  if (command == "generate-image") return WEBOX_CAP_IMAGE;
  return WEBOX_CAP_CHAT | WEBOX_CAP_CHAT_STREAM;
}

void print_models(Context &ctx, const std::string &command) {
  uint64_t wanted = capabilities_for(command);
  for (const auto &m : ctx.plugins().manifests()) {
    if (!(m.capabilities & wanted)) continue;
    for (const auto &name : m.models) out::line(m.id + ":" + name);
  }
  if (wanted & WEBOX_CAP_CHAT) {
    try {
      for (const auto &[alias, target] : ctx.config().aliases) out::line(alias);
    } catch (const Error &) {
      // A broken config must not break completion; `webox models` reports it.
    }
  }
}

struct CompletionsOptions {
  std::string shell;
  std::string models_for;
  bool models = false;
};

} // namespace

void setup_completions(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<CompletionsOptions>();
  cmd->add_option("shell", o->shell, "bash, zsh or fish")->check(CLI::IsMember({"bash", "zsh", "fish"}));
  // Called by the scripts themselves at completion time; hidden from --help.
  cmd->add_option("--models-for", o->models_for, "Model names for a command's -m (used by the scripts)")
      ->type_name("COMMAND")
      ->group("");
  cmd->footer(R"(
Examples:
  webox completions bash > ~/.local/share/bash-completion/completions/webox
  webox completions zsh > ~/.zfunc/_webox      # with fpath+=(~/.zfunc) before compinit
  webox completions fish > ~/.config/fish/completions/webox.fish
  source <(webox completions bash)             # this shell only

Installed packages already ship the three scripts. Model names after -m are
read from the installed plugins' manifests when you press Tab.
See webox-completions(1).)");
  cmd->callback([&ctx, cmd, o] {
    o->models = cmd->count("--models-for") > 0;
    ctx.command = [&ctx, o] {
      if (o->models) return print_models(ctx, o->models_for);
      if (o->shell.empty()) throw UsageError("completions: name a shell: bash, zsh or fish");
      // A run builds only the invoked command's options; the scripts need
      // every command's.
      CommandTree tree(ctx);
      tree.build_all();
      std::vector<Node> nodes = command_tree(tree.root());
      out::write(o->shell == "bash" ? bash_script(nodes) : o->shell == "zsh" ? zsh_script(nodes) : fish_script(nodes));
    };
  });
}

WEBOX_COMMAND(1000, "completions", "Shell completion script for bash, zsh or fish", setup_completions);

} // namespace webox::cli
