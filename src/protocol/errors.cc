// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "protocol/errors.h"

#include "base/strutil.h"

namespace carmine::err {
namespace {

// Redis shows client-supplied text in errors with newlines replaced so the reply stays one line,
// and caps each shown argument at 128 bytes.
std::string Sanitize(std::string_view s, size_t max) {
  std::string r(s.substr(0, max));
  for (auto& c : r) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return r;
}

}  // namespace

std::string WrongArgs(std::string_view name) {
  return "ERR wrong number of arguments for '" + std::string(name) + "' command";
}

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  std::string shown;
  for (size_t i = 0; i < nargs && shown.size() < 128; i++) {
    size_t room = 128 - shown.size();
    shown += "'";
    shown.append(args[i].substr(0, room));
    shown += "' ";
  }
  return Sanitize("ERR unknown command '" + std::string(name.substr(0, 128)) +
                      "', with args beginning with: " + shown,
                  std::string::npos);
}

std::string UnknownSubcommand(std::string_view sub, std::string_view cmd) {
  return "ERR unknown subcommand '" + Sanitize(sub, 128) + "'. Try " + ToUpper(cmd) + " HELP.";
}

std::string SubcommandSyntax(std::string_view sub, std::string_view cmd) {
  return "ERR unknown subcommand or wrong number of arguments for '" + Sanitize(sub, 128) +
         "'. Try " + ToUpper(cmd) + " HELP.";
}

std::string Format(std::string_view tmpl, std::string_view arg, std::string_view arg2) {
  std::string r(tmpl);
  size_t p = r.find("%s");
  if (p == std::string::npos) return r;
  r.replace(p, 2, arg);
  p = r.find("%s", p + arg.size());
  if (p != std::string::npos) r.replace(p, 2, arg2);
  return r;
}

std::string ConfigSetReply(const config::SetError& e) {
  using K = config::SetError::Kind;
  switch (e.kind) {
    case K::kNone:
      return "";
    case K::kUnknownOption:
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + e.option + "'";
    case K::kLoading:
      return std::string(kLoading);
    case K::kFailed:
      break;
  }
  return "ERR CONFIG SET failed (possibly related to argument '" + e.option + "') - " + e.reason;
}

std::string SubscribedContext(std::string_view full_name) {
  return "ERR Can't execute '" + std::string(full_name) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
         "context";
}

std::string ProtectedCommand(std::string_view name, std::string_view option) {
  return "ERR " + std::string(name) + " command not allowed. If the " + std::string(option) +
         " option is set to \"local\", you can run it from a local connection, otherwise you "
         "need to set this option in the configuration file, and then restart the server.";
}

}  // namespace carmine::err
