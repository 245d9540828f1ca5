/** Checks for the names and addresses a profile may hold; each returns an error text or undefined. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i;

export function checkDnsLabel(value: string): string | undefined {
  if (value.length > 63) return `"${value}" is longer than 63 characters`;
  if (!DNS_LABEL.test(value))
    return `"${value}" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
  return undefined;
}

/** A DNS name such as httpbingo.org, or a wildcard such as *.github.com. */
export function checkHost(value: string): string | undefined {
  const name = value.startsWith('*.') ? value.slice(2) : value;
  const labels = name.split('.');
  if (
    name.length === 0 ||
    name.length > 253 ||
    labels.length < 2 ||
    !labels.every((l) => l.length <= 63 && DNS_NAME_LABEL.test(l))
  ) {
    return `"${value}" is not a DNS name (such as example.com) or a wildcard (such as *.example.com)`;
  }
  if (/^\d+$/.test(labels.at(-1) ?? '')) return `"${value}" looks like an IP address; egress hosts are DNS names`;
  return undefined;
}

function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-f:]+$/i.test(text) || text.split('::').length > 2) return false;
  const groups = text.split(':').filter((g) => g !== '');
  if (!groups.every((g) => g.length <= 4)) return false;
  return text.includes('::') ? groups.length < 8 : groups.length === 8;
}

export function checkCidr(value: string): string | undefined {
  const [addr = '', bits, extra] = value.split('/');
  const bad = `"${value}" is not a CIDR (such as 10.0.0.0/8 or fd00::/8)`;
  if (bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return bad;
  if (ipv4Bytes(addr)) return Number(bits) <= 32 ? undefined : bad;
  if (isIpv6(addr)) return Number(bits) <= 128 ? undefined : bad;
  return bad;
}

/** host:port of a proxy outside the cluster; host is a DNS name or an IPv4 address. */
export function checkHostPort(value: string): string | undefined {
  const m = /^([^:]+):(\d{1,5})$/.exec(value);
  const bad = `"${value}" is not host:port (such as proxy.example.com:3128)`;
  if (!m) return bad;
  const [, host = '', port = ''] = m;
  if (checkPort(Number(port))) return bad;
  if (ipv4Bytes(host)) return undefined;
  return host.startsWith('*.') || checkHost(host) ? bad : undefined;
}

export function checkPort(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : `${value} is not a port (1-65535)`;
}

export { checkGkeClusterName } from '../platform/gke.ts';

/** A GCP project ID: 6 to 30 lower-case letters, digits and '-', starting with a letter, not ending with '-'. */
export function checkGcpProject(value: string): string | undefined {
  if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(value.trim()))
    return `"${value.trim()}" is not a GCP project ID (6 to 30 lower-case letters, digits and '-', starting with a letter)`;
  return undefined;
}

/** A GCP zone (europe-west1-b) or region (europe-west1). */
export function checkGkeLocation(value: string): string | undefined {
  if (!/^[a-z]+-[a-z]+\d+(-[a-z])?$/.test(value.trim()))
    return `"${value.trim()}" is not a GCP zone or region (such as europe-west1-b or us-central1)`;
  return undefined;
}
