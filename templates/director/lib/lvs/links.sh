# shellcheck shell=sh
# /lib/lvs/links.sh: the director's links. Interfaces are named by MAC (and when one is missing, the console says
# which interfaces and which driverless PCI network devices there are), brought up, waited for until they have
# carrier (bounded per interface), and their addresses announced with gratuitous ARP once they are up. Shipped by
# lvs-image as is; reads /etc/lvs/links, /etc/lvs/addresses and /etc/lvs/pci-ids (the NIC catalog's PCI ids);
# needs `run` and `fail` (/lib/lvs/boot.sh).

# name_of_mac MAC: prints the interface that has MAC (read is a builtin: no fork per interface).
name_of_mac() {
	for dev in /sys/class/net/*; do
		addr=
		read -r addr 2>/dev/null <"$dev/address"
		if [ "$addr" = "$1" ]; then
			echo "${dev##*/}"
			return 0
		fi
	done
	return 1
}

# pci_name ID: `NAME (catalog family FAMILY, module MODULE)` of vendor:device ID from /etc/lvs/pci-ids (ID FAMILY
# MODULE NAME... a line, the NIC catalog's devices), a note when the catalog has no such device, nothing without
# the file.
pci_name() {
	[ -f /etc/lvs/pci-ids ] || return 0
	while read -r id family module name; do
		if [ "$id" = "$1" ] || [ "$id" = "${1%%:*}:*" ]; then
			echo "$name (catalog family $family, module $module)"
			return 0
		fi
	done </etc/lvs/pci-ids
	echo "(not in the NIC catalog: no driver lvs-image knows)"
}

# diagnose_missing: once, after the first interface no MAC matched: the NICs there are (interfaces with a device:
# name, MAC, driver; virtual ones such as sit0 only by name when there is no NIC), and the PCI network devices (class
# 0x02xxxx) no driver took, with vendor:device and what the catalog knows of them.
diagnose_missing() {
	[ -z "$DIAGNOSED" ] || return 0
	DIAGNOSED=1
	found=
	virtual=
	for dev in /sys/class/net/*; do
		case ${dev##*/} in lo) continue ;; esac
		[ -e "$dev/address" ] || continue
		if [ ! -e "$dev/device" ]; then
			virtual="$virtual ${dev##*/}"
			continue
		fi
		addr=
		read -r addr 2>/dev/null <"$dev/address"
		driver=none
		[ ! -e "$dev/device/driver" ] || driver=$(readlink "$dev/device/driver")
		echo "lvs-image:   present: ${dev##*/} $addr driver ${driver##*/}"
		found=1
	done
	[ -n "$found" ] || echo "lvs-image:   present: no NIC (virtual interfaces:${virtual:- none})"
	found=
	for pci in /sys/bus/pci/devices/*; do
		class=
		read -r class 2>/dev/null <"$pci/class"
		case $class in 0x02????) ;; *) continue ;; esac
		[ ! -e "$pci/driver" ] || continue
		read -r vendor <"$pci/vendor"
		read -r device <"$pci/device"
		id=${vendor#0x}:${device#0x}
		what=$(pci_name "$id")
		echo "lvs-image:   no driver: PCI ${pci##*/} $id class $class${what:+ $what}"
		found=1
	done
	[ -n "$found" ] || echo "lvs-image:   no driver: none (every PCI network device has its driver)"
}

# uptime_cs: UPTIME_CS, seconds since boot in hundredths (read is a builtin: no fork; /proc/uptime has 2 decimals).
uptime_cs() {
	read -r up _ </proc/uptime
	# 1${...} - 100: a fraction such as 05 would otherwise be read as octal.
	UPTIME_CS=$((${up%.*} * 100 + 1${up#*.} - 100))
}

# wait_for_carriers START: each interface of /etc/lvs/links with a WAIT (seconds; 0: not waited for) until it has
# carrier, at most WAIT seconds after START (UPTIME_CS when the links went up), all of them at once; the console
# says which are waited for, and when each got carrier; no carrier by then is step "carrier NAME".
wait_for_carriers() {
	pending=
	while read -r name _ _ bound; do
		case $name in '' | '#'*) continue ;; esac
		# An interface that is not there failed its own step already. Interface names hold no slash.
		[ "$bound" = 0 ] || [ ! -e "/sys/class/net/$name" ] || pending="$pending $name/$bound"
	done </etc/lvs/links
	said=
	while [ -n "$pending" ]; do
		uptime_cs
		waited=$((UPTIME_CS - $1))
		left=
		for p in $pending; do
			name=${p%/*}
			bound=${p#*/}
			carrier=0
			read -r carrier 2>/dev/null <"/sys/class/net/$name/carrier"
			if [ "$carrier" = 1 ]; then
				echo "lvs-image: carrier on $name after $((waited / 100)).$((waited % 100 / 10)) s"
			elif [ "$waited" -ge $((bound * 100)) ]; then
				state=unknown
				read -r state 2>/dev/null <"/sys/class/net/$name/operstate"
				fail "carrier $name" "no carrier after $bound s (operstate $state): check the cable and the switch port, or raise hardware.carrierWait"
			else
				left="$left $p"
			fi
		done
		pending=$left
		[ -n "$pending" ] || break
		if [ -z "$said" ]; then
			for p in $pending; do echo "lvs-image: waiting for carrier on ${p%/*} (up to ${p#*/} s)"; done
			said=1
		fi
		usleep 100000
	done
}

# bring_up_links: lo first (ipvsadm -a fails with EINVAL until lo is up), then /etc/lvs/links (NAME MAC TMP WAIT a
# line, MAC and TMP `-` without a MAC): interfaces with a MAC are named by it (probe order decides the kernel's
# names), in two passes through a free temporary name, then every interface is brought up, and each waited for
# until it has carrier, at most WAIT seconds (autonegotiation takes seconds on a real NIC).
bring_up_links() {
	run "link lo" ip link set dev lo up
	while read -r name mac tmp _; do
		case $name in '' | '#'*) continue ;; esac
		[ "$mac" != - ] || continue
		if ! cur=$(name_of_mac "$mac"); then
			fail "interface $name" "no interface has MAC $mac"
			diagnose_missing
		elif [ "$cur" != "$name" ]; then
			run "interface $name" ip link set dev "$cur" name "$tmp"
		fi
	done </etc/lvs/links
	while read -r name mac tmp _; do
		case $name in '' | '#'*) continue ;; esac
		[ "$mac" = - ] || [ ! -e "/sys/class/net/$tmp" ] || run "interface $name" ip link set dev "$tmp" name "$name"
	done </etc/lvs/links
	while read -r name _; do
		case $name in '' | '#'*) continue ;; esac
		[ ! -e "/sys/class/net/$name" ] || run "link $name" ip link set dev "$name" up
	done </etc/lvs/links
	# The links negotiate at the same time: one start for all, so the longest wait bounds the whole step.
	uptime_cs
	wait_for_carriers "$UPTIME_CS"
}

# announce_addresses: the addresses of /etc/lvs/addresses on a link with carrier, each announced with gratuitous
# ARP (3 unsolicited requests 1 s apart, in the background: the boot does not wait), so the router and the
# switches learn at once that this director has them (a VIP that was on another machine before).
announce_addresses() {
	said=
	while read -r kind _ dev cidr _; do
		case $kind in '' | '#'*) continue ;; esac
		carrier=0
		read -r carrier 2>/dev/null <"/sys/class/net/$dev/carrier"
		[ "$carrier" = 1 ] || continue
		arping -q -U -c 3 -I "$dev" "${cidr%/*}" </dev/null >/dev/null 2>&1 &
		said="$said ${cidr%/*}@$dev"
	done </etc/lvs/addresses
	[ -z "$said" ] || echo "lvs-image: gratuitous ARP for$said"
}
