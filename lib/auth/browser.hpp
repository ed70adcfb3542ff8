// Opening the user's browser on a URL, for `webox auth login`.
#pragma once

#include <string>

namespace webox::auth {

// Starts xdg-open (or $BROWSER when set) on `url`, detached, its output
// discarded. False when there is no graphical session (neither DISPLAY nor
// WAYLAND_DISPLAY) or the program could not be started: the caller has
// printed the URL anyway.
bool open_in_browser(const std::string &url);

} // namespace webox::auth
