// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/arg_docs.h"

#include <string>
#include <vector>

#include "base/strutil.h"

namespace carmine {
namespace {

struct ArgDoc {
  std::string name, type, token;
  std::string display;  // the name redis-cli shows in hints, when it is not `name`
  bool has_token = false;  // a token may be empty (MIGRATE's "" key)
  bool optional = false, multiple = false;
  bool multiple_token = false;  // the token comes again before each repetition
  std::vector<ArgDoc> children;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  // Parses a sequence of arguments until `end` (or the end of the text).
  std::vector<ArgDoc> Sequence(char end) {
    std::vector<ArgDoc> out;
    while (true) {
      SkipSpaces();
      if (pos_ >= s_.size() || s_[pos_] == end || s_[pos_] == '|') break;
      out.push_back(One());
    }
    return out;
  }

 private:
  void SkipSpaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') pos_++;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      pos_++;
      return true;
    }
    return false;
  }
  std::string Word() {
    size_t start = pos_;
    while (pos_ < s_.size() &&
           std::string_view(" []|(){}:=.").find(s_[pos_]) == std::string_view::npos) {
      pos_++;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  ArgDoc One() {
    ArgDoc a;
    if (Eat('[')) {
      SkipSpaces();
      auto inner = Sequence(']');
      Eat(']');
      if (inner.size() == 1) {
        a = inner[0];
      } else {
        a.name = "block";
        a.type = "block";
        a.children = std::move(inner);
      }
      a.optional = true;
    } else if (Eat('!')) {
      if (Eat('\'')) {  // a quoted token: a character the notation uses itself ('=')
        size_t end = s_.find('\'', pos_);
        a.token = std::string(s_.substr(pos_, end - pos_));
        pos_ = end + 1;
      } else {
        a.token = Word();
      }
      a.has_token = true;
      a.name = ToLower(a.token);
      a.type = "pure-token";
      if (Eat('=')) a.name = Word();  // the empty token: !=empty-string
    } else {
      std::string w = Word();
      if (Eat('=')) {
        a.token = w;
        a.has_token = true;
        w = Word();
      }
      // name@display: shown to users under another name (MIGRATE's auth is "password").
      if (size_t at = w.find('@'); at != std::string::npos) {
        a.display = w.substr(at + 1);
        w.resize(at);
      }
      a.name = w;
      if (Eat(':')) {
        a.type = Word();
      } else if (Eat('(')) {
        a.type = "oneof";
        do {
          auto alt = Sequence(')');
          if (alt.size() == 1) {
            a.children.push_back(alt[0]);
          } else if (!alt.empty()) {
            ArgDoc b;
            b.name = alt[0].name;
            b.type = "block";
            b.children = std::move(alt);
            a.children.push_back(std::move(b));
          }
        } while (Eat('|'));
        Eat(')');
      } else if (Eat('{')) {
        a.type = "block";
        a.children = Sequence('}');
        Eat('}');
      } else {
        a.type = "string";
      }
    }
    if (s_.substr(pos_, 3) == "...") {
      pos_ += 3;
      a.multiple = true;
      if (Eat('+')) a.multiple_token = true;
    }
    return a;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

void Reply(ReplyBuilder& rb, const ArgDoc& a) {
  int fields = 2;  // name, type
  bool is_key = a.type == "key";
  if (is_key) fields++;
  // Every argument but a group has a display text (redis-cli's hints read it).
  bool has_display = a.type != "block" && a.type != "oneof";
  if (has_display) fields++;
  if (a.has_token) fields++;
  std::vector<std::string_view> flags;
  if (a.optional) flags.push_back("optional");
  if (a.multiple) flags.push_back("multiple");
  if (a.multiple_token) flags.push_back("multiple_token");
  if (!flags.empty()) fields++;
  if (!a.children.empty()) fields++;
  rb.MapLen(fields);
  rb.Bulk("name");
  rb.Bulk(a.name);
  rb.Bulk("type");
  rb.Bulk(a.type);
  if (has_display) {
    rb.Bulk("display_text");
    rb.Bulk(a.display.empty() ? a.name : a.display);
  }
  if (is_key) {
    rb.Bulk("key_spec_index");
    rb.Int(0);  // every command here has a single key spec
  }
  if (a.has_token) {
    rb.Bulk("token");
    rb.Bulk(a.token);
  }
  if (!flags.empty()) {
    rb.Bulk("flags");
    rb.SetLen(static_cast<int64_t>(flags.size()));
    for (auto f : flags) rb.Simple(f);
  }
  if (!a.children.empty()) {
    rb.Bulk("arguments");
    rb.ArrayLen(static_cast<int64_t>(a.children.size()));
    for (auto& c : a.children) Reply(rb, c);
  }
}

}  // namespace

int CountArgDocs(std::string_view notation) {
  return static_cast<int>(Parser(notation).Sequence('\0').size());
}

void ReplyArgDocs(ReplyBuilder& rb, std::string_view notation) {
  auto args = Parser(notation).Sequence('\0');
  rb.ArrayLen(static_cast<int64_t>(args.size()));
  for (auto& a : args) Reply(rb, a);
}

}  // namespace carmine
