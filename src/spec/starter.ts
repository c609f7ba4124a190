import { shellQuote } from '../lib/exec.js';

/**
 * The starter spec `lvs-image init` writes to `file`: the reference director, commented, its validate hint naming
 * `file` (for `images/dsas-lv1.yaml` it is that file, byte for byte; a test checks).
 */
export function starterSpec(file: string): string {
  return `# The reference director: one LVS-NAT load balancer in front of two web servers
# (the KLab DSAS 2006 setup, see docs/spec-reference.md for every field).
# Check it with \`lvs-image validate ${shellQuote(file)}\`.

# Site name: outputs go to out/dsas/.
name: dsas
description: DSAS reference director lv1 (LVS-NAT, tcp/80 least-connection) on today's kernel and ipvsadm

# The kernel every director of the site boots. Versions are strings: quote them.
kernel:
  version: '6.1' # Debian's linux-source-6.1 (6.1.192 here)
  source:
    debian: linux-source-6.1 # the tarball Debian ships in /usr/src
  base: tinyconfig # start from the smallest config, add what the spec needs
  profile: full # everything under the IPVS and netfilter menus, as the reference did
  options: builtin # =y: IPVS and netfilter built in (NIC drivers are modules, see docs/hardware.md)

# ipvsadm, built from source and linked statically (the initramfs has no libc).
ipvsadm:
  version: '1.31'
  source:
    debian: ipvsadm # Debian's source package of the same release
  link: static

directors:
  - hostname: lv1
    interfaces:
      # Public side: clients reach the VIP here.
      - name: eth0
        mac: '52:54:00:31:00:11'
        address: 10.10.31.11/24
        role: outside
      # Inside LAN: the real servers use this address as their default gateway (NAT).
      - name: eth1
        mac: '52:54:00:31:01:11'
        address: 192.168.31.11/24
        role: inside
    vips:
      # ip addr add 10.10.31.100 label eth0:100 dev eth0
      - address: 10.10.31.100
        interface: eth0
        label: eth0:100
    services:
      # ipvsadm -A -t 10.10.31.100:80 -s lc
      - protocol: tcp
        vip: 10.10.31.100
        port: 80
        scheduler: lc
        realServers:
          # ipvsadm -a -t 10.10.31.100:80 -r 192.168.31.101 -m  (weight 1)
          - server: w101
            forwarding: masq
            weight: 1
          - server: w102
            forwarding: masq
            weight: 1

# Real servers, described once. NAT: their gateway defaults to lv1's inside address 192.168.31.11.
realServers:
  - name: w101
    address: 192.168.31.101/24
    lab: # what the boot-test lab serves from this server
      host: example.org
      body: w101 nano
  - name: w102
    address: 192.168.31.102/24
    lab:
      host: example.org
      body: w102 desu
`;
}
