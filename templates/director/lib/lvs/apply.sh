# shellcheck shell=sh
# /lib/lvs/apply.sh: the netfilter, IPVS and sysctl steps of a director, shared by /init (diskless) and
# /etc/init.d/lvs-director (installed on disk). Shipped by lvs-image as is; the caller defines
# `run STEP COMMAND...`, which runs COMMAND and reports STEP when it fails.

# apply_netfilter: restores /etc/iptables.rules when there is one, with the legacy backend when the image has
# it. Before IPVS, so fwmark services see their marks from the first packet.
apply_netfilter() {
	[ -f /etc/iptables.rules ] || return 0
	restore=iptables-restore
	command -v iptables-legacy-restore >/dev/null 2>&1 && restore=iptables-legacy-restore
	run iptables "$restore" </etc/iptables.rules
}

# apply_ipvs_rules: the same steps as ipvsadm-restore (clear, then restore); thresholds are not in the -Sn
# format, so they come from their own file.
apply_ipvs_rules() {
	run "ipvsadm clear" ipvsadm -C || return 1
	run "ipvsadm rules" ipvsadm -R </etc/ipvsadm.rules || return 1
	[ ! -f /etc/ipvsadm.thresholds ] || run "ipvsadm thresholds" ipvsadm -R </etc/ipvsadm.thresholds
}

# apply_sysctls: /etc/sysctl.conf. After IPVS is loaded: the net.ipv4.vs.* keys exist only once ip_vs is.
apply_sysctls() {
	run sysctl sysctl -q -p /etc/sysctl.conf
}
