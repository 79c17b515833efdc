// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// EVAL, EVALSHA, SCRIPT, FUNCTION and FCALL through the real dispatcher: Redis's conversion
// rules both ways, its error texts, the sandbox, effects propagation, SELECT isolation, MULTI,
// function libraries and cmsgpack.
#include <gtest/gtest.h>

#include "scripting/scripting.h"
#include "test_server.h"

namespace carmine {
namespace {

using testing::Reply;
using testing::TestServer;
using V = std::vector<std::string>;

class ScriptingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scripting_.Register(srv_.registry());
    scripting_.InstallHooks(srv_.dispatcher());
  }
  Reply Run(std::vector<std::string> args) { return srv_.Run(std::move(args)); }
  Reply Eval(const std::string& script) { return Run({"eval", script, "0"}); }

  TestServer srv_;
  config::Registry cfg_;
  ScriptingOptions opts_{cfg_};
  Scripting scripting_{opts_};
};

TEST_F(ScriptingTest, LuaToRespConversions) {
  EXPECT_EQ(Eval("return 1").integer, 1);
  EXPECT_EQ(Eval("return 3.99").integer, 3);  // truncated
  EXPECT_EQ(Eval("return -3.7").integer, -3);
  EXPECT_EQ(Eval("return 'x'"), "x");
  EXPECT_EQ(Eval("return true").integer, 1);
  EXPECT_EQ(Eval("return false").type, Reply::kNil);
  EXPECT_EQ(Eval("return nil").type, Reply::kNil);
  Reply arr = Eval("return {1, 'a', {2}, nil, 5}");  // stops at the first nil
  ASSERT_EQ(arr.type, Reply::kArray);
  ASSERT_EQ(arr.elems.size(), 3u);
  EXPECT_EQ(arr.elems[2].elems[0].integer, 2);
  EXPECT_EQ(Eval("return {err='MY code'}"), "MY code");
  EXPECT_EQ(Eval("return redis.error_reply('-E x')"), "E x");
  Reply ok = Eval("return redis.status_reply('fine')");
  EXPECT_EQ(ok.type, Reply::kStatus);
  EXPECT_EQ(ok.str, "fine");
  EXPECT_EQ(Eval("return {ok='a\\r\\nb'}").str, "a  b");  // one line
}

TEST_F(ScriptingTest, RespToLuaConversions) {
  Run({"rpush", "l", "a", "b"});
  EXPECT_EQ(Eval("return type(redis.call('get', 'nokey'))"), "boolean");  // RESP2 null: false
  EXPECT_EQ(Eval("redis.setresp(3) return type(redis.call('get', 'nokey'))"), "nil");
  EXPECT_EQ(Eval("return type(redis.call('llen', 'l'))"), "number");
  EXPECT_EQ(Eval("return redis.call('ping').ok"), "PONG");
  EXPECT_EQ(Eval("return redis.pcall('incr', 'l').err"),
            "WRONGTYPE Operation against a key holding the wrong kind of value");
  Run({"hset", "h", "f", "v"});
  EXPECT_EQ(Eval("redis.setresp(3) return redis.call('hgetall', 'h').map.f"), "v");
  Run({"zadd", "z", "1.5", "m"});
  EXPECT_EQ(Eval("redis.setresp(3) return tostring(redis.call('zscore', 'z', 'm').double)"),
            "1.5");
}

TEST_F(ScriptingTest, ErrorsCarryTheScriptAndLine) {
  Reply r = Eval("local x = 1\nreturn redis.call('nosuch')");
  EXPECT_EQ(r.type, Reply::kError);
  EXPECT_EQ(r.str.substr(0, 46), "ERR Unknown Redis command called from script s");
  EXPECT_NE(r.str.find(", on @user_script:2."), std::string::npos) << r.str;
  EXPECT_NE(Eval("error('boom')").str.find("ERR user_script:1: boom script: "), std::string::npos);
  EXPECT_EQ(Eval("return redis.call('set', 'a')").str.substr(0, 58),
            "ERR Wrong number of args calling Redis command from script");
  EXPECT_EQ(Eval("return redis.call('multi')").str.substr(0, 49),
            "ERR This Redis command is not allowed from script");
  EXPECT_EQ(Run({"eval", "return 1", "-1"}), "ERR Number of keys can't be negative");
  EXPECT_EQ(Run({"eval", "return 1", "2", "k"}),
            "ERR Number of keys can't be greater than number of args");
  EXPECT_EQ(Run({"evalsha", std::string(40, 'a'), "0"}),
            "NOSCRIPT No matching script. Please use EVAL.");
  EXPECT_EQ(Eval("syntax error"),
            "ERR Error compiling script (new function): user_script:1: '=' expected near "
            "'error'");
}

TEST_F(ScriptingTest, SandboxIsReadOnly) {
  EXPECT_NE(Eval("x = 1").str.find("Attempt to modify a readonly table"), std::string::npos);
  EXPECT_NE(Eval("string.len = nil").str.find("Attempt to modify a readonly table"),
            std::string::npos);
  EXPECT_NE(Eval("rawset(_G, 'x', 1)").str.find("Attempt to modify a readonly table"),
            std::string::npos);
  EXPECT_NE(Eval("setmetatable(_G, {})").str.find("Attempt to modify a readonly table"),
            std::string::npos);
  for (const char* name : {"os", "io", "print", "loadfile", "dofile", "require", "debug"}) {
    EXPECT_NE(Eval(std::string("return ") + name).str.find("nonexistent global variable"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(Eval("return loadstring(string.dump(function() return 1 end))").type, Reply::kNil);
  EXPECT_EQ(Eval("return cjson.encode({1, 2})"), "[1,2]");
  EXPECT_EQ(Eval("return bit.bor(1, 2)").integer, 3);
  Reply mp = Eval("return cmsgpack.unpack(cmsgpack.pack({1, 'x', {a = 2}}))");
  ASSERT_EQ(mp.elems.size(), 3u);
  EXPECT_EQ(mp.elems[1], "x");
  EXPECT_TRUE(mp.elems[2].elems.empty());  // the map {a = 2} has no array part
}

TEST_F(ScriptingTest, EffectsArePropagatedInMultiExec) {
  srv_.TakePropagated();
  Run({"eval", "redis.call('set', KEYS[1], 'a') redis.call('incr', 'n')", "1", "k"});
  EXPECT_EQ(srv_.TakePropagated(), (V{"-1:MULTI", "0:set k a", "0:incr n", "-1:EXEC"}));
  Run({"eval", "redis.call('set', 'k', 'b')", "0"});  // one effect: no wrapper
  EXPECT_EQ(srv_.TakePropagated(), (V{"0:set k b"}));
  Run({"eval", "return redis.call('get', 'k')", "0"});  // reads: nothing
  EXPECT_EQ(srv_.TakePropagated(), V{});
  Run({"eval", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'k', 'c')", "0"});
  EXPECT_EQ(srv_.TakePropagated(), V{});
}

TEST_F(ScriptingTest, SelectInsideAScriptStaysInside) {
  Run({"eval", "redis.call('select', 3) redis.call('set', 'x', '1')", "0"});
  EXPECT_EQ(Run({"get", "x"}).type, Reply::kNil);
  Run({"select", "3"});
  EXPECT_EQ(Run({"get", "x"}), "1");
}

TEST_F(ScriptingTest, ScriptsInsideMultiAndReadOnlyVariants) {
  Run({"multi"});
  Run({"eval", "return redis.call('incr', 'c')", "0"});
  Run({"eval", "return redis.call('incr', 'c')", "0"});
  Reply r = Run({"exec"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_EQ(r.elems[1].integer, 2);
  EXPECT_EQ(Run({"eval_ro", "return redis.call('set', 'a', 'b')", "0"}).str.substr(0, 58),
            "ERR Write commands are not allowed from read-only scripts.");
  EXPECT_EQ(Run({"eval_ro", "#!lua\nreturn 1", "0"}),
            "ERR Can not execute a script with write flag using *_ro command.");
  EXPECT_EQ(Run({"eval", "#!lua flags=bogus\nreturn 1", "0"}),
            "ERR Unexpected flag in script shebang: bogus");
}

TEST_F(ScriptingTest, ScriptCache) {
  Reply sha = Run({"script", "load", "return 'cached'"});
  ASSERT_EQ(sha.type, Reply::kBulk);
  EXPECT_EQ(Run({"evalsha", sha.str, "0"}), "cached");
  EXPECT_EQ(Run({"script", "exists", sha.str, "nope"}).elems[1].integer, 0);
  EXPECT_EQ(scripting_.cached_scripts(), 1u);
  Run({"script", "flush"});
  EXPECT_EQ(Run({"evalsha", sha.str, "0"}).str.substr(0, 8), "NOSCRIPT");
  EXPECT_EQ(Run({"script", "kill"}), "NOTBUSY No scripts in execution right now.");
}

TEST_F(ScriptingTest, FunctionLibraries) {
  const std::string lib =
      "#!lua name=lib\n"
      "redis.register_function('inc', function(keys, args) "
      "return redis.call('incrby', keys[1], args[1]) end)\n"
      "redis.register_function{function_name='get', callback=function(keys) "
      "return redis.call('get', keys[1]) end, flags={'no-writes'}}";
  EXPECT_EQ(Run({"function", "load", lib}), "lib");
  EXPECT_EQ(Run({"function", "load", lib}), "ERR Library 'lib' already exists");
  EXPECT_EQ(Run({"fcall", "inc", "1", "k", "5"}).integer, 5);
  EXPECT_EQ(Run({"fcall_ro", "get", "1", "k"}), "5");
  EXPECT_EQ(Run({"fcall_ro", "inc", "1", "k", "1"}),
            "ERR Can not execute a script with write flag using *_ro command.");
  EXPECT_EQ(Run({"fcall", "nope", "0"}), "ERR Function not found");
  EXPECT_EQ(Run({"function", "load", "#!lua name=bad\nredis.call('ping')"}),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'call'");
  EXPECT_EQ(Run({"function", "load", "#!lua name=x\nreturn 1"}), "ERR No functions registered");
  Reply dump = Run({"function", "dump"});
  // SCRIPT FLUSH keeps the libraries; FUNCTION FLUSH drops them; RESTORE brings them back.
  Run({"script", "flush"});
  EXPECT_EQ(Run({"fcall", "inc", "1", "k", "1"}).integer, 6);
  Run({"function", "flush"});
  EXPECT_EQ(Run({"fcall", "inc", "1", "k", "1"}), "ERR Function not found");
  EXPECT_EQ(Run({"function", "restore", dump.str}), "OK");
  EXPECT_EQ(Run({"fcall", "inc", "1", "k", "1"}).integer, 7);
  EXPECT_EQ(Run({"function", "restore", "garbage"}),
            "ERR DUMP payload version or checksum are wrong");
  EXPECT_EQ(Run({"function", "delete", "lib"}), "OK");
  EXPECT_EQ(Run({"function", "delete", "lib"}), "ERR Library not found");
}

}  // namespace
}  // namespace carmine
