# Shared by bin/supernode, bin/dfdaemon, bin/dfget, bin/quickstart. Sourced, not run.
DFLY_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DFLY_DIST="$DFLY_HOME/dist/target/dfly"

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# Builds the distribution on first use (or when asked to with DFLY_REBUILD=1).
ensure_built() {
  if [[ "${DFLY_REBUILD:-0}" == 1 || ! -f "$DFLY_DIST/payara-micro.jar" || ! -f "$DFLY_DIST/supernode.war" \
        || ! -f "$DFLY_DIST/dfdaemon.war" || ! -f "$DFLY_DIST/dfget.jar" ]]; then
    command -v mvn >/dev/null || die "Maven (mvn) is needed to build dfly the first time: apt-get install -y maven"
    echo "dfly: building (first use; about 2 minutes): mvn -B -q -DskipTests install" >&2
    (cd "$DFLY_HOME" && mvn -B -q -DskipTests install) >&2 || die "build failed; run 'mvn -B -DskipTests install' in $DFLY_HOME to see why"
  fi
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
