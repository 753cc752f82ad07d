# Shared by bin/supernode, bin/dfdaemon, bin/dfget, bin/quickstart. Sourced, not run.
DFLY_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A release (dfly-<version>.tar.gz, unpacked) has the jars in lib/ and no sources; a checkout builds dist/target/dfly.
if [[ -f "$DFLY_HOME/lib/payara-micro.jar" && ! -f "$DFLY_HOME/pom.xml" ]]; then
  DFLY_DIST="$DFLY_HOME/lib" DFLY_RELEASE=1
else
  DFLY_DIST="$DFLY_HOME/dist/target/dfly" DFLY_RELEASE=0
fi

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# Builds the distribution on first use (or when asked to with DFLY_REBUILD=1, e.g. after a git pull), always
# from clean: an incremental build keeps the class files of moved or deleted sources in target/ and in the
# exploded WARs (a class moved to another package then exists twice: CDI's WELD-001409, ambiguous dependency).
# When the dist is there and no rebuild is asked for, it only checks that the files exist. The launchers a
# launcher starts (bin/quickstart's supernode and dfdaemon) find it built and do not build again.
ensure_built() {
  [[ "$DFLY_RELEASE" == 1 ]] && return 0
  local why=""
  if [[ "${DFLY_REBUILD:-0}" == 1 ]]; then why="DFLY_REBUILD=1"
  elif [[ ! -f "$DFLY_DIST/payara-micro.jar" || ! -f "$DFLY_DIST/supernode.war" || ! -f "$DFLY_DIST/dfdaemon.war" \
          || ! -f "$DFLY_DIST/dfget.jar" || ! -f "$DFLY_DIST/dfly-logging.jar" ]]; then why="first use"
  fi
  [[ -z "$why" ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to build dfly the first time: apt-get install -y maven"
  echo "dfly: building ($why; about 2 minutes): mvn -B -q -DskipTests clean install" >&2
  (cd "$DFLY_HOME" && mvn -B -q -DskipTests clean install) >&2 \
    || die "build failed; run 'mvn -B -DskipTests clean install' in $DFLY_HOME to see why"
  export DFLY_REBUILD=0
}

# default_java_opts supernode|dfdaemon: the JVM options a launcher uses when DFLY_JAVA_OPTS is not set (the
# benches start from them too). The heap: a dfdaemon streams pieces through small buffers, 384 MiB keeps its RSS
# under 512 MiB while serving; the supernode holds task and swarm state. The parallel collector: G1's concurrent
# marking and barriers cost a herd of 8 dfdaemons ~2 CPU-s of a 20 CPU-s pull, the parallel one 0.4 s, the whole
# pull 20 % less CPU and 12 % less time (bench/README.md, "Profile with Linux perf").
default_java_opts() {
  case "$1" in
    supernode) echo "-Xmx1g -XX:+UseParallelGC" ;;
    dfdaemon) echo "-Xmx384m -XX:+UseParallelGC" ;;
    *) die "default_java_opts: unknown node kind '$1'" ;;
  esac
}

java_cmd() {
  if [[ -n "${JAVA_HOME:-}" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || die "java 17+ is needed: apt-get install -y openjdk-17-jdk-headless"; fi
}

# check_port NAME VALUE: same one-line error the WAR gives for a bad port
check_port() {
  [[ "$2" =~ ^[0-9]+$ ]] && (( $2 >= 1 && $2 <= 65535 )) || die "invalid value '$2' for $1: want a port number from 1 to 65535"
}

# prop_from_file FILE KEY: value of KEY in a .properties file (last one wins), or empty
prop_from_file() {
  [[ -f "$1" ]] || return 0
  grep -E "^[[:space:]]*$2[[:space:]]*[=:]" "$1" | tail -n 1 | sed -E 's/^[^=:]*[=:][[:space:]]*//; s/[[:space:]]+$//'
}

# env_name KEY: the MicroProfile environment variable for a property (dfly.dfdaemon.port -> DFLY_DFDAEMON_PORT)
env_name() { echo "$1" | tr 'a-z.-' 'A-Z__'; }

# resolve KEY DEFAULT CONFIG_FILE: flag value (in FLAG_VALUE) > environment > config file > default
resolve() {
  local key=$1 def=$2 file=$3 envv
  envv=$(env_name "$key")
  if [[ -n "${FLAG_VALUE:-}" ]]; then echo "$FLAG_VALUE"
  elif [[ -n "${!envv:-}" ]]; then echo "${!envv}"
  elif [[ -n "$(prop_from_file "$file" "$key")" ]]; then prop_from_file "$file" "$key"
  else echo "$def"; fi
}

expand_home() { local p=$1; [[ "$p" == "~"* ]] && p="$HOME${p:1}"; echo "$p"; }

# payara_preboot_commands ADDRESS: the asadmin commands (for --prebootcommandfile) that bind Payara Micro's
# HTTP listener ("http-listener") to ADDRESS and turn off Payara's own data grid (Hazelcast on port 6900 of
# every interface, started even with --nocluster; dfly uses none of it).
payara_preboot_commands() {
  echo "set configs.config.server-config.network-config.network-listeners.network-listener.http-listener.address=$1"
  echo "set configs.config.server-config.hazelcast-config-specific-configuration.enabled=false"
}

# new_secret_file FILE: creates FILE (mode 0600, directory 0700) with 32 random bytes as hex, unless it exists
new_secret_file() {
  [[ -e "$1" ]] && return 0
  (umask 077; mkdir -p "$(dirname "$1")" && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$1.tmp.$$" && echo >>"$1.tmp.$$" \
     && mv -n "$1.tmp.$$" "$1"; rm -f "$1.tmp.$$") || die "cannot create $1"
}

# --- Logs (dfly.log.*) -----------------------------------------------------------------------------------
# prop_from_args KEY ARGS...: the value of a -DKEY=VALUE among ARGS (last wins), or empty
prop_from_args() {
  local key=$1 a v=""; shift
  for a in "$@"; do [[ "$a" == "-D$key="* ]] && v=${a#-D"$key"=}; done
  echo "$v"
}

# log_level_name VALUE: the java.util.logging level for VALUE (debug = FINE), or dies naming dfly.log.level
log_level_name() {
  local v; v=$(echo "$1" | tr 'a-z' 'A-Z')
  case "$v" in
    SEVERE|ERROR) echo SEVERE ;; WARNING|WARN) echo WARNING ;; INFO) echo INFO ;; CONFIG) echo CONFIG ;;
    FINE|DEBUG) echo FINE ;; FINER) echo FINER ;; FINEST|TRACE) echo FINEST ;;
    *) die "invalid value '$1' for dfly.log.level: want SEVERE, WARNING, INFO, FINE (debug), FINER or FINEST" ;;
  esac
}

# payara_logging_properties FORMAT LEVEL FILE: the java.util.logging configuration (for --logproperties) that
# gives dfly's format: one line per record (FORMAT text) or one JSON object per line (json); dfly's own
# records from LEVEL up; Payara's, Grizzly's and Hazelcast's only from WARNING up (known harmless ones are
# made FINE by io.dfly.logging.KnownNoise); to the console (standard error), or only to FILE when given
# (rotated as FILE.1 .. FILE.<dfly.log.file-count> at dfly.log.file-limit bytes). The handler and formatter
# classes come from dfly-logging.jar on the boot class path (see dfly_log_jvm_options).
payara_logging_properties() {
  local format=$1 level=$2 file=$3 handler formatter others=WARNING
  case "$format" in
    text) formatter=io.dfly.logging.LineFormatter ;;
    json) formatter=io.dfly.logging.JsonLineFormatter ;;
    *) die "invalid value '$format' for dfly.log.format: want text or json" ;;
  esac
  [[ "$level" == SEVERE ]] && others=SEVERE
  if [[ -n "$file" ]]; then handler=io.dfly.logging.RotatingFileHandler; else handler=io.dfly.logging.ConsoleLogHandler; fi
  echo "# written by $(basename "$0") at each start (dfly.log.format=$format, dfly.log.level=$level)"
  echo "handlers=$handler"
  echo "$handler.level=$level"
  echo "$handler.formatter=$formatter"
  if [[ -n "$file" ]]; then
    echo "$handler.file=$file"
    echo "$handler.limit=${DFLY_LOG_FILE_LIMIT_VALUE:-10M}"
    echo "$handler.count=${DFLY_LOG_FILE_COUNT_VALUE:-5}"
  fi
  echo ".level=$others"
  echo "io.dfly.level=$level"
  # Payara Micro's "ready in N ms" line (its other start-up notes are made FINE)
  [[ "$others" == WARNING && "$level" != WARNING ]] && echo "PayaraMicro.level=INFO"
  return 0
}

# dfly_log_setup DATA_DIR CONFIG_FILE LOG_FILE_FLAG FORMAT_FLAG LEVEL_FLAG PROPS...: resolves dfly.log.* (flag or -D
# > environment > config file > default), writes DATA_DIR/.payara-logging.properties and sets LOG_JVM_OPTS and
# LOG_PAYARA_ARGS for the java command line.
dfly_log_setup() {
  local data_dir=$1 config=$2 file_flag=$3 format_flag=$4 level_flag=$5 format level file props_file
  shift 5
  format=$(FLAG_VALUE="${format_flag:-$(prop_from_args dfly.log.format "$@")}" resolve dfly.log.format text "$config")
  level=$(log_level_name "$(FLAG_VALUE="${level_flag:-$(prop_from_args dfly.log.level "$@")}" resolve dfly.log.level INFO "$config")")
  file=$(FLAG_VALUE="${file_flag:-$(prop_from_args dfly.log.file "$@")}" resolve dfly.log.file "" "$config")
  DFLY_LOG_FILE_LIMIT_VALUE=$(FLAG_VALUE="$(prop_from_args dfly.log.file-limit "$@")" resolve dfly.log.file-limit 10M "$config")
  DFLY_LOG_FILE_COUNT_VALUE=$(FLAG_VALUE="$(prop_from_args dfly.log.file-count "$@")" resolve dfly.log.file-count 5 "$config")
  [[ "$DFLY_LOG_FILE_LIMIT_VALUE" =~ ^[0-9]+[KMGkmg]?$ ]] \
    || die "invalid value '$DFLY_LOG_FILE_LIMIT_VALUE' for dfly.log.file-limit: want a size such as 512K, 20M or 1G"
  [[ "$DFLY_LOG_FILE_COUNT_VALUE" =~ ^[0-9]+$ ]] && (( DFLY_LOG_FILE_COUNT_VALUE >= 1 )) \
    || die "invalid value '$DFLY_LOG_FILE_COUNT_VALUE' for dfly.log.file-count: want a number of files, at least 1"
  if [[ -n "$file" ]]; then
    file=$(expand_home "$file"); [[ "$file" == /* ]] || file="$PWD/$file"
    mkdir -p "$(dirname "$file")" 2>/dev/null && touch "$file" 2>/dev/null || die "cannot write the log file '$file' (dfly.log.file)"
  fi
  props_file="$data_dir/.payara-logging.properties"
  payara_logging_properties "$format" "$level" "$file" >"$props_file"
  # the boot class path: the JDK's LogManager (from the first record) and Payara Micro (which re-reads the file
  # at boot) both load handler and formatter classes through class loaders that see it
  LOG_JVM_OPTS=("-Xbootclasspath/a:$DFLY_DIST/dfly-logging.jar" "-Djava.util.logging.config.file=$props_file")
  LOG_PAYARA_ARGS=(--logproperties "$props_file")
}
