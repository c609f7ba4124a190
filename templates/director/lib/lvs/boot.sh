# shellcheck shell=sh
# /lib/lvs/boot.sh: the fixed boot steps of a director, each reading the data files lvs-image rendered for it
# (/etc/hostname, /etc/modules, /etc/lvs/{director,addresses,routes}, /etc/lvs/services/*; the links' steps are
# in /lib/lvs/links.sh). Shipped by lvs-image as is; /init calls the steps in order. Every failed step prints
# "lvs-image: FAILED <step>: <details>" and the boot goes on; it ends in the ready line only
# when no step failed, else in one DEGRADED line naming them.

# The failed steps so far, each once, comma-separated (step names hold no comma).
FAILED_STEPS=

# fail STEP DETAILS: reports a failed step on the console and keeps it for the DEGRADED line.
fail() {
	echo "lvs-image: FAILED $1: $2"
	case ",$FAILED_STEPS," in
	*",$1,"*) ;;
	*) FAILED_STEPS=${FAILED_STEPS:+$FAILED_STEPS,}$1 ;;
	esac
}

# run STEP COMMAND...: runs COMMAND quietly; on failure reports STEP with its output on one line.
# The output goes to a file, not into $(...): a command substitution would cost a fork per step.
run() {
	step=$1
	shift
	"$@" >/tmp/.lvs-run 2>&1 && return 0
	out=$(cat /tmp/.lvs-run)
	fail "$step" "$* ($(printf '%s' "$out" | tr '\n' ' '))"
	return 1
}

# read_director: MODE, WANT_SERVICES and WANT_REALSERVERS from /etc/lvs/director, HOSTNAME from /etc/hostname.
read_director() {
	MODE=''
	WANT_SERVICES=''
	WANT_REALSERVERS=''
	while read -r key value; do
		case $key in
		mode) MODE=$value ;;
		services) WANT_SERVICES=$value ;;
		realservers) WANT_REALSERVERS=$value ;;
		esac
	done </etc/lvs/director
	read -r HOSTNAME </etc/hostname
	if [ -z "$MODE" ] || [ -z "$WANT_SERVICES" ] || [ -z "$WANT_REALSERVERS" ]; then
		fail director "/etc/lvs/director lacks mode, services or realservers"
	fi
}

# mount_filesystems: /proc, /sys, /dev; each skipped when already there (a test harness or an outer init may
# have mounted it).
mount_filesystems() {
	mkdir -p /proc /sys /dev /tmp /run
	[ -e /proc/self ] || run "mount /proc" mount -t proc proc /proc
	[ -d /sys/class ] || run "mount /sys" mount -t sysfs sysfs /sys
	# No 2>/dev/null here: /dev may still be empty.
	grep -q ' /dev ' /proc/mounts || run "mount /dev" mount -t devtmpfs devtmpfs /dev
	run hostname hostname "$HOSTNAME"
}

# load_modules: /etc/modules, one module a line with optional parameters; absent or empty when everything is
# built in. Modules with parameters load first, each on its own; the rest in one `modprobe -a` (one process,
# one read of modules.dep).
load_modules() {
	[ -s /etc/modules ] || return 0
	plain=
	while read -r module params; do
		case $module in
		'' | '#'*) continue ;;
		esac
		if [ -n "$params" ]; then
			# $params is split on purpose: module parameters are separate words.
			# shellcheck disable=SC2086
			run "modprobe $module" modprobe "$module" $params </dev/null
		else
			plain="$plain $module"
		fi
	done </etc/modules
	# $plain is split on purpose: one word per module.
	# shellcheck disable=SC2086
	[ -z "$plain" ] || run "modprobe" modprobe -a $plain </dev/null
}

# coldplug_devices: loads the drivers of the devices present from their modaliases (the NIC modules the image
# carries, mapped by the trimmed /lib/modules/<release>/modules.alias; absent when every driver is built in).
# Run twice, as Alpine's hwdrivers does: a driver loaded in the first pass makes devices of its own (virtio-pci
# the virtio ones virtio_net binds, mlx5_core its auxiliary devices). A modalias no module of the image claims
# (a host bridge, a USB hub) is not an error; a module that fails to load is.
coldplug_devices() {
	set -- /lib/modules/*/modules.alias
	[ -s "$1" ] || return 0
	for pass in 1 2; do
		aliases=$(sort -u /sys/bus/*/devices/*/modalias 2>/dev/null)
		[ -n "$aliases" ] || return 0
		# $aliases is split on purpose: one word per modalias.
		# shellcheck disable=SC2086
		modprobe -a -b $aliases >/tmp/.lvs-run 2>&1 </dev/null
		out=$(grep -v 'not found in modules.dep' /tmp/.lvs-run)
		[ -z "$out" ] || fail "coldplug pass $pass" "$(printf '%s' "$out" | tr '\n' ' ')"
	done
}

# add_addresses: /etc/lvs/addresses, KIND NAME DEV CIDR [ARGS...] a line (`address eth0 eth0 10.10.31.11/24
# broadcast 10.10.31.255`, `vip eth0:100 eth0 10.10.31.100/32 label eth0:100`); a failure is step "KIND NAME".
add_addresses() {
	while read -r kind name dev cidr args; do
		case $kind in '' | '#'*) continue ;; esac
		# $args is split on purpose: separate words of `ip addr add`.
		# shellcheck disable=SC2086
		run "$kind $name" ip addr add "$cidr" $args dev "$dev"
	done </etc/lvs/addresses
}

# add_routes: /etc/lvs/routes, DESTINATION VIA DEV a line (`default 10.10.31.1 eth0`).
add_routes() {
	while read -r dest via dev; do
		case $dest in '' | '#'*) continue ;; esac
		run "$dest route" ip route add "$dest" via "$via" dev "$dev"
	done </etc/lvs/routes
}

# count_table: SERVICES and REALSERVERS from `ipvsadm -Sn` (-A lines are services, -a lines real servers),
# counted in the shell (no grep processes).
count_table() {
	listing=$(ipvsadm -Sn 2>&1) || fail "ipvsadm list" "$listing"
	SERVICES=0
	REALSERVERS=0
	while read -r op _; do
		case $op in
		-A) SERVICES=$((SERVICES + 1)) ;;
		-a) REALSERVERS=$((REALSERVERS + 1)) ;;
		esac
	done <<EOF
$listing
EOF
}

# wait_for_table: keepalived mode; until keepalived has installed every service (bounded: 300 tries 0.1 s apart).
wait_for_table() {
	tries=0
	while :; do
		count_table
		[ "$SERVICES" = "$WANT_SERVICES" ] && return 0
		tries=$((tries + 1))
		if [ "$tries" -ge 300 ]; then
			fail keepalived "fewer than $WANT_SERVICES services in the IPVS table after 30 s (logread shows why)"
			return 1
		fi
		usleep 100000
	done
}

# write_table: who writes the IPVS table. Mode rules: /init, from /etc/ipvsadm.rules, then the sysctls (the
# net.ipv4.vs.* keys exist once IPVS is in use). Mode keepalived: the sysctls, then keepalived and the daemons of
# phase `table`; keepalived owns the table (lvs_flush at start): it writes every service, adds each real server
# once its first check passes (quiesced at weight 0 until then, or left out), and the sorry server while none is up.
write_table() {
	if [ "$MODE" = keepalived ]; then
		apply_sysctls
		start_services table
		wait_for_table
	else
		apply_ipvs_rules
		apply_sysctls
		start_services table
	fi
}

# check_table: the counts of the table against /etc/lvs/director. keepalived adds real servers as their checks
# pass: in its mode only the services are known in advance.
check_table() {
	count_table
	if [ "$MODE" = keepalived ]; then
		[ "$SERVICES" = "$WANT_SERVICES" ] || fail "ipvsadm count" "expected services=$WANT_SERVICES"
	elif [ "$SERVICES" != "$WANT_SERVICES" ] || [ "$REALSERVERS" != "$WANT_REALSERVERS" ]; then
		fail "ipvsadm count" "expected services=$WANT_SERVICES realservers=$WANT_REALSERVERS"
	fi
}

# print_ready: the ready line when every step succeeded, else the DEGRADED line with the failed steps (the formats
# of src/runtime/console-contract.ts); /run/lvs-state says the same for the metrics (`ready`, or `degraded STEPS`).
print_ready() {
	if [ -z "$FAILED_STEPS" ]; then
		echo ready >/run/lvs-state
		printf '\nlvs-image: ready %s mode=%s services=%s realservers=%s\n' "$HOSTNAME" "$MODE" "$SERVICES" "$REALSERVERS"
	else
		echo "degraded $FAILED_STEPS" >/run/lvs-state
		printf '\nlvs-image: DEGRADED %s mode=%s services=%s realservers=%s failed=%s\n' \
			"$HOSTNAME" "$MODE" "$SERVICES" "$REALSERVERS" "$FAILED_STEPS"
	fi
}

# console: PID 1 must never exit. With lvs.shell=0 on the kernel command line it parks; otherwise it respawns the
# console shell (a boot test types commands on it).
console() {
	case " $(cat /proc/cmdline 2>/dev/null) " in
	*' lvs.shell=0 '*)
		while :; do sleep 3600; done
		;;
	esac
	while :; do
		setsid cttyhack sh || sleep 1
	done
}
