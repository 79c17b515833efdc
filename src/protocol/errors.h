// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Every error text a client can see, byte for byte as redis-server sends it (without the leading
// '-' of the RESP frame). Clients and tests match on these strings, so they live in one place and
// handlers never spell them out. Messages built at run time (arity, unknown command) have helpers.
#pragma once

#include <string>
#include <string_view>

#include "base/config.h"

namespace carmine::err {

inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kNotInt = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidExpire = "ERR invalid expire time in '%s' command";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kBitOffset = "ERR bit offset is not an integer or out of range";
inline constexpr std::string_view kBitValue = "ERR bit is not an integer or out of range";
inline constexpr std::string_view kOffsetRange = "ERR offset is out of range";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfigured =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
inline constexpr std::string_view kTimeout = "ERR timeout is not an integer or out of range";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kTimeoutOutOfRange = "ERR timeout is out of range";
inline constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";
inline constexpr std::string_view kInvalidProto =
    "ERR Protocol version is not an integer or out of range";
inline constexpr std::string_view kNxXxGtLt =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kGtLtNx =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr std::string_view kBitopNot =
    "ERR BITOP NOT must be called with a single source key.";
inline constexpr std::string_view kBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 "
    "is.";
inline constexpr std::string_view kBitfieldOverflow = "ERR Invalid OVERFLOW type specified";
inline constexpr std::string_view kBitfieldRoOnlyGet =
    "ERR BITFIELD_RO only supports the GET subcommand";
inline constexpr std::string_view kBitByteArg = "ERR The bit argument must be 1 or 0.";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kUnknownType = "ERR unknown type name";
inline constexpr std::string_view kNotBusy = "ERR The server is not busy";
inline constexpr std::string_view kLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr std::string_view kShutdownErrors = "ERR Errors trying to SHUTDOWN. Check logs.";
inline constexpr std::string_view kNoSuchClient = "ERR No such client";
inline constexpr std::string_view kClientNameSpaces =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kSetInfoChars =
    "ERR %s cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kSelectNotAllowed = "ERR SELECT is not allowed in cluster mode";

// Protocol errors: sent, then the connection is closed after the reply is flushed.
inline constexpr std::string_view kProtoInvalidMultibulk =
    "ERR Protocol error: invalid multibulk length";
inline constexpr std::string_view kProtoInvalidBulk = "ERR Protocol error: invalid bulk length";
inline constexpr std::string_view kProtoBigMbulkCount =
    "ERR Protocol error: too big mbulk count string";
inline constexpr std::string_view kProtoBigBulkCount =
    "ERR Protocol error: too big bulk count string";
inline constexpr std::string_view kProtoBigInline = "ERR Protocol error: too big inline request";
inline constexpr std::string_view kProtoUnbalanced =
    "ERR Protocol error: unbalanced quotes in request";
inline constexpr std::string_view kProtoUnauthMultibulk =
    "ERR Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kProtoUnauthBulk =
    "ERR Protocol error: unauthenticated bulk length";

// Refusals before a command runs (the dispatcher's checks, in Redis's order).
inline constexpr std::string_view kNotInMulti = "ERR Command not allowed inside a transaction";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kMisconfRdb =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";
inline constexpr std::string_view kMisconfAof = "MISCONF Errors writing to the AOF file: ";
inline constexpr std::string_view kNoReplicas = "NOREPLICAS Not enough good replicas to write.";
inline constexpr std::string_view kReadOnlyReplica =
    "READONLY You can't write against a read only replica.";
inline constexpr std::string_view kMasterDown =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
inline constexpr std::string_view kLoading = "LOADING Redis is loading the dataset in memory";
inline constexpr std::string_view kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kReplicaKeyspace = "ERR Replica can't interact with the keyspace";
inline constexpr std::string_view kExecAbortPrefix = "EXECABORT Transaction discarded because of: ";
inline constexpr std::string_view kExecAbortErrors =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
// "ERR Can't execute 'get': only (P|S)SUBSCRIBE / ... are allowed in this context"
std::string SubscribedContext(std::string_view full_name);
inline constexpr std::string_view kModuleLoad =
    "ERR Error loading the extension. Please check the server logs.";
inline constexpr std::string_view kModuleUnload =
    "ERR Error unloading module: no such module with that name";
// "ERR DEBUG command not allowed. If the enable-debug-command option is set to ..."
std::string ProtectedCommand(std::string_view name, std::string_view option);

// "ERR wrong number of arguments for 'get' command"; name is the lowercase full name
// ("config|set").
std::string WrongArgs(std::string_view name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs);
// "ERR unknown subcommand 'x'. Try CONFIG HELP."
std::string UnknownSubcommand(std::string_view sub, std::string_view cmd);
// A known subcommand given a wrong number of arguments its handler checks itself.
std::string SubcommandSyntax(std::string_view sub, std::string_view cmd);
// CONFIG SET's refusal as Redis words it ("ERR CONFIG SET failed (possibly related to argument
// 'port') - ...", "ERR Unknown option ...", -LOADING); "" when `e` is no error.
std::string ConfigSetReply(const config::SetError& e);
// Replaces the "%s" in a template, the first by `arg`, the second (if any) by `arg2`.
std::string Format(std::string_view tmpl, std::string_view arg, std::string_view arg2 = {});

// Errors of particular commands.
inline constexpr std::string_view kGeoAnyNeedsCount =
    "ERR the ANY argument requires COUNT argument";
inline constexpr std::string_view kPackedThresholdRange =
    "ERR argument must be a memory value bigger than 1 and smaller than 4gb";
inline constexpr std::string_view kAofRewriteInProgress =
    "ERR Background append only file rewriting already in progress";
inline constexpr std::string_view kBgsaveInProgress =
    "ERR Background save already in progress";
inline constexpr std::string_view kBadDataFormat = "ERR Bad data format";
inline constexpr std::string_view kSortByInCluster =
    "ERR BY option of SORT denied in Cluster mode.";
inline constexpr std::string_view kCachingNoNeedsOptout =
    "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";
inline constexpr std::string_view kCachingYesNeedsOptin =
    "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
inline constexpr std::string_view kClientIdNotPositive = "ERR client-id should be greater than 0";
inline constexpr std::string_view kRedirectClientMissing =
    "ERR The client ID you want redirect to does not exist";
inline constexpr std::string_view kPauseMode =
    "ERR CLIENT PAUSE mode must be WRITE or ALL";
inline constexpr std::string_view kRedirectSingle =
    "ERR A client can only redirect to a single other client";
inline constexpr std::string_view kUnblockReason =
    "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
inline constexpr std::string_view kNoKeyArguments = "ERR The command has no key arguments";
inline constexpr std::string_view kCopyDbInCluster =
    "ERR Copying to another database is not allowed in cluster mode";
inline constexpr std::string_view kGeoMemberUndecodable =
    "ERR could not decode requested zset member";
inline constexpr std::string_view kGeoCountNotPositive = "ERR COUNT must be > 0";
inline constexpr std::string_view kCountNotPositive = "ERR count should be greater than 0";
inline constexpr std::string_view kCountBelowMinusOne =
    "ERR count should be greater than or equal to -1";
inline constexpr std::string_view kCountNegative = "ERR COUNT can't be negative";
inline constexpr std::string_view kDecrOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kBadDumpPayload =
    "ERR DUMP payload version or checksum are wrong";
inline constexpr std::string_view kPurgeFailed = "ERR Error purging dirty pages";
inline constexpr std::string_view kMigrateConnect =
    "IOERR error or timeout connecting to the client";
inline constexpr std::string_view kReloadSaveFailed = "ERR Error trying to save the DB";
inline constexpr std::string_view kSortGetInCluster =
    "ERR GET option of SORT denied in Cluster mode.";
inline constexpr std::string_view kGtAndLt =
    "ERR GT and LT options at the same time are not compatible";
inline constexpr std::string_view kHashNotFloat = "ERR hash value is not a float";
inline constexpr std::string_view kHashNotInt = "ERR hash value is not an integer";
inline constexpr std::string_view kGeoBoxNegative =
    "ERR height or width cannot be negative";
inline constexpr std::string_view kHllNotSparse = "ERR HLL encoding is not sparse";
inline constexpr std::string_view kZaddIncrPair =
    "ERR INCR option supports a single increment-element pair";
inline constexpr std::string_view kIndexOutOfRange = "ERR index out of range";
inline constexpr std::string_view kLcsTooBig =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
inline constexpr std::string_view kInvalidClientId = "ERR Invalid client ID";
inline constexpr std::string_view kInvalidCommand = "ERR Invalid command specified";
inline constexpr std::string_view kSwapdbFirstIndex = "ERR invalid first DB index";
inline constexpr std::string_view kRestoreFreq =
    "ERR Invalid FREQ value, must be >= 0 and <= 255";
inline constexpr std::string_view kRestoreIdle =
    "ERR Invalid IDLETIME value, must be >= 0";
inline constexpr std::string_view kGetkeysArity =
    "ERR Invalid number of arguments specified for command";
inline constexpr std::string_view kSwapdbSecondIndex = "ERR invalid second DB index";
inline constexpr std::string_view kRestoreTtl = "ERR Invalid TTL value, must be >= 0";
inline constexpr std::string_view kNoJemalloc = "ERR jemalloc is not in use";
inline constexpr std::string_view kHllCorrupt = "INVALIDOBJ Corrupted HLL object detected";
inline constexpr std::string_view kNotHll =
    "WRONGTYPE Key is not a valid HyperLogLog string value.";
inline constexpr std::string_view kLimitNegative = "ERR LIMIT can't be negative";
inline constexpr std::string_view kMaxlenNegative = "ERR MAXLEN can't be negative";
inline constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr std::string_view kMinMaxNotLex = "ERR min or max not valid string range item";
inline constexpr std::string_view kMonitorDenyBlocking =
    "ERR MONITOR isn't allowed for DENY BLOCKING client";
inline constexpr std::string_view kMoveInCluster =
    "ERR MOVE is not allowed in cluster mode";
inline constexpr std::string_view kNestedMulti = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kGeoHeightNotNumber = "ERR need numeric height";
inline constexpr std::string_view kGeoRadiusNotNumber = "ERR need numeric radius";
inline constexpr std::string_view kGeoWidthNotNumber = "ERR need numeric width";
inline constexpr std::string_view kNoShutdownInProgress = "ERR No shutdown in progress.";
inline constexpr std::string_view kNumkeysOverArgs =
    "ERR Number of keys can't be greater than number of args";
inline constexpr std::string_view kNumkeysNotPositive = "ERR numkeys should be greater than 0";
inline constexpr std::string_view kSortNotDouble =
    "ERR One or more scores can't be converted into double";
inline constexpr std::string_view kOptinOptoutWithBcast =
    "ERR OPTIN and OPTOUT are not compatible with BCAST";
inline constexpr std::string_view kDebugDbOutOfRange = "ERR Out of range database";
inline constexpr std::string_view kPrefixNeedsBcast =
    "ERR PREFIX option requires BCAST mode to be enabled";
// + the byte found + "'"
inline constexpr std::string_view kProtoExpectedDollar = "ERR Protocol error: expected '$', got '";
inline constexpr std::string_view kGeoRadiusNegative = "ERR radius cannot be negative";
inline constexpr std::string_view kNoResp2 =
    "ERR RESP2 is not supported by this command";
inline constexpr std::string_view kScoreNan =
    "ERR resulting score is not a number (NaN)";
inline constexpr std::string_view kBgsaveForkFailed = "ERR Can't save in background: fork: ";  // + strerror
inline constexpr std::string_view kNoConfigFile =
    "ERR The server is running without a config file";
inline constexpr std::string_view kPfdebugNoKey = "ERR The specified key does not exist";
inline constexpr std::string_view kLcsNotStrings =
    "ERR The specified keys must contain string values";
inline constexpr std::string_view kSwapdbInCluster =
    "ERR SWAPDB is not allowed in cluster mode";
inline constexpr std::string_view kLimitNeedsByscoreBylex =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
inline constexpr std::string_view kWithscoresWithBylex =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
inline constexpr std::string_view kBusyKey = "BUSYKEY Target key name already exists.";
inline constexpr std::string_view kGeoUnit =
    "ERR unsupported unit provided. please use M, KM, FT, MI";
inline constexpr std::string_view kNanOrInfValue = "ERR value is NaN or Infinity";
inline constexpr std::string_view kOutOfRange = "ERR value is out of range";
inline constexpr std::string_view kOutOfRangeLong =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
inline constexpr std::string_view kNotHashTable =
    "ERR The value stored at the specified key is not represented using an hash table";
inline constexpr std::string_view kWatchInMulti =
    "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kWeightNotFloat = "ERR weight value is not a float";
inline constexpr std::string_view kXxAndNx =
    "ERR XX and NX options at the same time are not compatible";
inline constexpr std::string_view kOptinAndOptout =
    "ERR You can't specify both OPTIN mode and OPTOUT mode";

// Messages with a part that depends on the call ("%s" is replaced by err::Format).
inline constexpr std::string_view kGeoStoreWithOptions =
    "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options";
inline constexpr std::string_view kGeoFromOne =
    "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s";
inline constexpr std::string_view kGeoByOne =
    "ERR exactly one of BYRADIUS and BYBOX can be specified for %s";
inline constexpr std::string_view kMigrateWrite = "IOERR error or timeout writing to target instance";
inline constexpr std::string_view kMigrateRead = "IOERR error or timeout reading to target instance";
inline constexpr std::string_view kMigrateKeysNeedEmptyKey =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
inline constexpr std::string_view kMigrateTargetError = "ERR Target instance replied with error: %s";
inline constexpr std::string_view kTrackingPrefixOverlap =
    "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must not "
    "overlap.";
inline constexpr std::string_view kTrackingPrefixesOverlap =
    "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client must "
    "not overlap.";
inline constexpr std::string_view kUnknownClientType = "ERR Unknown client type '%s'";
inline constexpr std::string_view kNoSuchUser = "ERR No such user '%s'";
inline constexpr std::string_view kUnrecognizedOption = "ERR Unrecognized option '%s'";
inline constexpr std::string_view kUnsupportedOption = "ERR Unsupported option %s";
inline constexpr std::string_view kHelloOption = "ERR Syntax error in HELLO option '%s'";
inline constexpr std::string_view kNoLatencySamples = "ERR No samples available for event '%s'";
inline constexpr std::string_view kPfdebugSubcommand = "ERR Unknown PFDEBUG subcommand '%s'";
inline constexpr std::string_view kNeedInputKey = "ERR at least 1 input key is needed for '%s' command";
inline constexpr std::string_view kInvalidLonLat = "ERR invalid longitude,latitude pair %s";
inline constexpr std::string_view kConfigRewrite = "ERR Rewriting config file: %s";
inline constexpr std::string_view kRewriteForceAll = "ERR CONFIG-REWRITE-FORCE-ALL failed: %s";
inline constexpr std::string_view kReloadLoadFailed = "ERR Error trying to load the RDB dump: %s";
inline constexpr std::string_view kDebugProtocolType =
    "ERR Wrong protocol type name. Please use one of the following: "
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
inline constexpr std::string_view kMallctl = "ERR %s";
inline constexpr std::string_view kTrackingBcastSwitch =
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
    "re-enabling it with a different mode.";
inline constexpr std::string_view kTrackingOptSwitch =
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
    "re-enabling it with a different mode.";
inline constexpr std::string_view kCachingNeedsOptMode =
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
    "OPTOUT mode enabled";
inline constexpr std::string_view kAofRewriteFailed =
    "ERR Can't execute an AOF background rewriting. Please check the server logs for more "
    "information.";
inline constexpr std::string_view kSaveFailed = "ERR %s";
inline constexpr std::string_view kBgsaveWhileAof =
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in "
    "order to schedule a BGSAVE whenever possible.";
inline constexpr std::string_view kLposRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
inline constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
inline constexpr std::string_view kObjectLfuNoIdle =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kObjectNoLfu =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";

}  // namespace carmine::err
