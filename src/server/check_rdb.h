// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// carmine-server run under the name redis-check-rdb (or carmine-check-rdb): checks an RDB file
// with the server's own loader and reports in redis-check-rdb's words, so backup scripts and
// operators' habits work with the RDB versions Carmine writes and reads.
#pragma once

#include <string>

namespace carmine {

// True when the binary's name asks for the RDB checker.
bool IsCheckRdbName(const char* argv0);
// Checks argv[1]; prints the report on stdout; returns the process exit code (0: the file is
// good).
int CheckRdbMain(int argc, char** argv);
// The same check and report for `path` (the server runs it when its RDB fails to load at
// startup, as Redis does); returns 0 when the file is good.
int CheckRdbFile(const std::string& path);

}  // namespace carmine
