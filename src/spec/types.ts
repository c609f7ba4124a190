/**
 * The site spec users write (YAML or JSON). `src/spec/schema.json` is the contract; these types mirror it
 * and a test checks every shipped spec against both. Optional fields are filled by `applyDefaults`.
 * IPv4 only for now.
 */
import type { Netfilter, RealServer, VirtualService } from './service-types.js';

export type * from './service-types.js';

/** A whole site: the kernel and ipvsadm pins shared by its directors, the directors, and the real servers. */
export interface Spec extends ProgramPins {
  /** Site name, used in output paths (`out/<site>/...`). */
  name: string;
  description?: string;
  kernel: KernelPin;
  ipvsadm: IpvsadmPin;
  image?: ImageOptions;
  /** What hardware the site's directors run on: the NIC drivers the kernel and the image carry. */
  hardware?: HardwareOptions;
  directors: Director[];
  /** Directors that share VIPs as a VRRP group (keepalived), so that one takes over when another dies. */
  pairs?: DirectorPair[];
  realServers: RealServer[];
  /** How operators reach the running directors (SSH, remote syslog, metrics), on each director's inside address. */
  access?: Access;
}

/** Operator access to a running director; each part optional, everything on the inside address. */
export interface Access {
  /** SSH (dropbear): root logs in with one of these keys, never with a password. */
  ssh?: SshAccess;
  /** Remote syslog receiver, `host` or `host:port` (UDP, default port 514). */
  syslog?: string;
  /** NTP servers (IPv4 addresses) busybox ntpd sets the clock from. */
  ntp?: string[];
  /** Prometheus text-format IPVS counters over HTTP: http://<inside>:<port>/cgi-bin/metrics. */
  metrics?: MetricsAccess;
}

/** The SSH server of each director (dropbear, password logins compiled out). */
export interface SshAccess {
  /** Public keys that may log in as root, each one authorized_keys line: `type base64 [comment]`. */
  authorizedKeys: string[];
  /** Roles of the interfaces whose own address it listens on; default `[inside]` (never the VIPs). */
  listen?: InterfaceRole[];
  /** TCP port, default 22. */
  port?: number;
}

/** The metrics server of each director (busybox httpd, read-only CGI). */
export interface MetricsAccess {
  /** TCP port on the inside address, default 9100. */
  port?: number;
}

/**
 * Directors sharing floating addresses through VRRP (keepalived): the highest priority alive holds them. All
 * members run the same virtual services; with `connectionSync` the backup knows the master's connections.
 */
export interface DirectorPair {
  /** Names the VRRP sync group and its instances (`<name>_<interface>`). */
  name: string;
  /** Host names of the members, the preferred master first. */
  directors: string[];
  /** VRRP priority per member (1..254); default 150 for the first, 100 for the second, 50 below that. */
  priorities?: Record<string, number>;
  /** A returning higher-priority member takes the addresses back (default true). */
  preempt?: boolean;
  /** Seconds a returning member waits, once it hears the master, before it preempts (0..1000); default 0. */
  preemptDelay?: number;
  /**
   * Seconds keepalived waits after start before it runs VRRP (`vrrp_startup_delay`, 0..60; default 0): a booting
   * member hears the master before it decides, and its first health checks have filled its table by then.
   */
  startupDelay?: number;
  /** Seconds between VRRP adverts; default 1. Below 1 s needs VRRPv3, chosen automatically. */
  advertInterval?: number;
  /** Send adverts to the other members' addresses instead of the VRRP multicast group (default false). */
  unicast?: boolean;
  /** One VRRP instance per interface that carries floating addresses; two or more form one sync group. */
  instances: VrrpInstance[];
  /** IPVS connection sync between the members (keepalived's lvs_sync_daemon), so connections survive a takeover. */
  connectionSync?: ConnectionSync;
}

/** The floating addresses of one interface. */
export interface VrrpInstance {
  /** Interface name, the same on every member. */
  interface: string;
  /** Virtual router id, 1..255, unique per L2 segment across the site. */
  vrid: number;
  /** Addresses that float with the master: VIPs of the members on this interface (for NAT, the inside gateway too). */
  addresses: string[];
}

/** The IPVS sync daemon of a pair. */
export interface ConnectionSync {
  /** Interface the sync messages use (multicast 224.0.0.81, UDP 8848). */
  interface: string;
  /** Sync id 0..255, the same on every member; default the first instance's vrid. */
  syncId?: number;
  /**
   * Seconds between resyncs of an open connection (`net.ipv4.vs.sync_refresh_period`, with `sync_threshold`'s
   * packet count off), so a member that boots learns every open connection within this plus 3 s; default 1.
   * 0 keeps the kernel's packet count (a connection is resynced every 50 of its client packets).
   */
  refreshPeriod?: number;
}

/** Where a kernel source tree comes from. Exactly one form. */
export type SourceRef =
  /** A Debian package that ships the tarball, e.g. `linux-source-6.1` or the source package `ipvsadm`. */
  | { debian: string }
  /** A local tarball or unpacked directory; sha256 pins a tarball. */
  | { path: string; sha256?: string }
  /** A download with its published sha256 and optional mirrors. */
  | { url: string; sha256: string; mirrors?: string[] };

export type KernelProfile = 'minimal' | 'full';
export type KernelOptionMode = 'module' | 'builtin';

/** The kernel: a version pin and either a source tree to build or a prebuilt kernel to check. */
export interface KernelPin {
  /** Full kernel version (`6.1.192`, `2.6.16.27`) or series (`6.1`). Selects the Kconfig era. */
  version: string;
  /** `minimal`: what the spec uses; `full`: everything under the IPVS and netfilter menus (the reference). */
  profile?: KernelProfile;
  /** Build IPVS/netfilter options as modules (`=m`) or into the kernel (`=y`). */
  options?: KernelOptionMode;
  /** Base config the fragment is merged onto: `tinyconfig`, `defconfig`, or a path to a .config file. */
  base?: string;
  /** Build from this source. */
  source?: SourceRef;
  /** Use an already built kernel, checked against the fragment. */
  prebuilt?: PrebuiltKernel;
  /** Extra Kconfig lines (`CONFIG_X=y`, `# CONFIG_Y is not set`) added to the fragment. */
  extraConfig?: string[];
}

/** A kernel that is already built, e.g. Debian's linux-image-amd64. */
export interface PrebuiltKernel {
  /** The kernel image (bzImage / vmlinuz), e.g. `/vmlinuz`. Its release is read from the image header. */
  vmlinuz: string;
  /** The `/lib/modules/<release>` folder of that kernel; default `/lib/modules/<release>`. */
  modules?: string;
  /** The kernel's .config; default `/boot/config-<release>`. */
  config?: string;
}

export type IpvsadmLink = 'static' | 'dynamic';

/** ipvsadm: a release from the catalog, optionally with its source overridden. */
export interface IpvsadmPin {
  /** Release, e.g. `1.31` or `1.24`; must be in the ipvsadm catalog. */
  version: string;
  /** Where the source comes from; defaults to the catalog's URL and sha256. */
  source?: SourceRef;
  /** Link statically (default: the initramfs has no libc) or dynamically. */
  link?: IpvsadmLink;
}

/**
 * The pin of each program of the table (src/packages/programs.ts), keyed by its name: each definition
 * (src/packages/<name>.ts) adds its own `<name>?: ProgramSourcePin` here by declaration merging, so that this
 * module needs no import of the table (which needs Spec) and a new program touches its own files only.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by each program's definition
export interface ProgramPins {}

/**
 * A program built from pinned source (keepalived, dropbear, busybox): a release of its catalog
 * (src/packages/<name>.json), optionally with its source overridden.
 */
export interface ProgramSourcePin {
  /** Release, e.g. `2.2.7`; must be in the program's catalog. */
  version: string;
  /** Where the source comes from; defaults to the catalog's Debian source package. */
  source?: SourceRef;
  /** Link statically (default) or dynamically (its libraries are then carried into the image). */
  link?: IpvsadmLink;
}

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

/** How the image is packed and booted. */
export interface ImageOptions {
  /** initramfs compression; must be enabled in the kernel (`CONFIG_RD_*`). */
  compression?: Compression;
  /** mtime of every archive entry (seconds since the epoch); SOURCE_DATE_EPOCH overrides it. */
  epoch?: number;
  /** Kernel console(s), e.g. `ttyS0,115200` or `[tty0, ttyS1,115200]`; the last one is /dev/console. */
  console?: string | string[];
  /** Extra kernel command-line words. */
  cmdline?: string[];
}

/**
 * A NIC selection: a named set of hardware/nics.json (`default`) or a list of its families (`intel-e1000e`, ...).
 */
export type NicSelection = string | string[];

/** The hardware of the site's directors (src/hardware/catalog.ts reads the data behind it). */
export interface HardwareOptions {
  /** The NIC drivers: a named set (`default`, every family) or a list of families. Default `default`. */
  nics?: NicSelection;
  /** Seconds /init waits for each link's carrier after bringing it up (0: not waited for). Default 10. */
  carrierWait?: number;
  /** Debian's non-free firmware and microcode (`nonfree`, the default) or none of it. */
  firmware?: 'nonfree' | 'none';
  /**
   * Early CPU microcode in the initrd's first segment: `true` (the default: every CPU of both packages), `false`
   * (none), or the CPUs the site runs (only their files). Nothing with `firmware: none`.
   */
  microcode?: boolean | MicrocodeCpu[];
  /**
   * The hardware watchdog feeder (busybox watchdog on /dev/watchdog, where the machine has one): `false` runs none;
   * else its timing. Default `{ timeout: 60, interval: 10 }`.
   */
  watchdog?: false | WatchdogOptions;
}

/** The watchdog feeder's timing. */
export interface WatchdogOptions {
  /** Seconds after the last feed at which the device resets the machine (WDIOC_SETTIMEOUT). Default 60. */
  timeout?: number;
  /** Seconds between feeds; at most half the timeout. Default 10. */
  interval?: number;
}

/** A CPU whose early microcode the image carries, numbered as /proc/cpuinfo shows it (decimal). */
export interface MicrocodeCpu {
  /** `intel` (intel-microcode) or `amd` (amd64-microcode). */
  vendor: 'intel' | 'amd';
  /** `cpu family`: 6 for every Intel Core and Xeon, 23 (17h) or 25 (19h) for AMD Zen. */
  family: number;
  /** `model` (Intel only; all models of the family without it), e.g. 85 for Xeon Skylake-SP and Cascade Lake. */
  model?: number;
  /** `stepping` (Intel only, with model; all steppings without it). */
  stepping?: number;
}

export type InterfaceRole = 'outside' | 'inside';

/** One director (load balancer) booted from the image. */
export interface Director {
  /** Host name; also the output folder and file prefix. */
  hostname: string;
  interfaces: NetInterface[];
  vips: Vip[];
  services: VirtualService[];
  /** Extra sysctls, e.g. `net.ipv4.vs.expire_nodest_conn: 1`. `net.ipv4.ip_forward = 1` is always set. */
  sysctls?: Record<string, string | number>;
  netfilter?: Netfilter;
}

/** A NIC of a director. */
export interface NetInterface {
  /** Linux interface name, e.g. `eth0`. */
  name: string;
  /** MAC address; used for per-MAC PXE config files and QEMU NICs. */
  mac?: string;
  /** Address with prefix length, e.g. `10.10.31.11/24`. */
  address: string;
  /** Default gateway reached through this interface. */
  gateway?: string;
  role: InterfaceRole;
}

/** A virtual IP aliased on a director interface. */
export interface Vip {
  address: string;
  /** Name of the director interface carrying it. */
  interface: string;
  /** ifconfig-style alias label, e.g. `eth0:100`. */
  label?: string;
}
