package org.stonescriptdb.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR form. An IPv4 address also matches its IPv4-mapped IPv6 form
 * ({@code ::ffff:a.b.c.d}), since a dual-stack socket reports IPv4 clients that way; an IPv6 network only
 * matches IPv6 addresses.
 */
public record Cidr(byte[] network, int prefixLength, String text) {

    /** Hex groups and colons, optionally ending in a dotted quad: the only characters an IPv6 literal has. */
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3})?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,3}");

    /**
     * Reads {@code address[/prefix]}. Addresses are parsed as literals only, never looked up: IPv4 as a full
     * dotted quad (the short forms {@code 192.168} or {@code 10} that {@link InetAddress} would read as
     * 192.0.0.168 or 0.0.0.10 are refused), IPv6 in its usual text forms. An IPv4-mapped IPv6 network with a
     * prefix of at least 96 ({@code ::ffff:10.0.0.0/104}) is the IPv4 network it maps ({@code 10.0.0.0/8}).
     */
    public static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addressPart = slash < 0 ? t : t.substring(0, slash);
        byte[] address = addressPart.indexOf(':') >= 0 ? ipv6(addressPart, text) : ipv4(addressPart, text);
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!DIGITS.matcher(p).matches()) throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            prefix = Integer.parseInt(p);
            if (prefix > max) throw new IllegalArgumentException("prefix length out of range in '" + text + "'");
        }
        if (address.length == 16 && prefix >= 96 && isIpv4Mapped(address)) {
            address = Arrays.copyOfRange(address, 12, 16);
            prefix -= 96;
        }
        return new Cidr(mask(address, prefix), prefix, t);
    }

    private static byte[] ipv4(String s, String text) {
        String[] parts = s.split("\\.", -1);
        boolean numeric = !s.isEmpty();
        for (String part : parts) numeric &= DIGITS.matcher(part).matches();
        if (!numeric) {
            // Not a literal; a host name would need a DNS lookup, which a network list must not depend on.
            throw new IllegalArgumentException("not an IP network: '" + text + "'");
        }
        if (parts.length > 4) throw new IllegalArgumentException("not an IP network: '" + text + "' (more than four parts)");
        if (parts.length < 4) {
            throw new IllegalArgumentException("abbreviated IPv4 address in '" + text
                    + "': write all four parts, such as 192.168.0.0/16");
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            int n = Integer.parseInt(parts[i]);
            if (n > 255) throw new IllegalArgumentException("not an IP network: '" + text + "' (" + parts[i] + " is more than 255)");
            if (parts[i].length() > 1 && parts[i].charAt(0) == '0') {
                // Some tools read a leading zero as octal; refuse rather than guess.
                throw new IllegalArgumentException("not an IP network: '" + text + "' (leading zero in " + parts[i] + ")");
            }
            out[i] = (byte) n;
        }
        return out;
    }

    private static byte[] ipv6(String s, String text) {
        if (!IPV6_LITERAL.matcher(s).matches()) throw new IllegalArgumentException("not an IP network: '" + text + "'");
        int lastColon = s.lastIndexOf(':');
        if (s.indexOf('.') > lastColon) ipv4(s.substring(lastColon + 1), text); // a strict check of the dotted tail
        byte[] address;
        try {
            // Only hex digits, colons and a dotted tail are left: InetAddress reads that as a literal, no lookup.
            address = InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP network: '" + text + "'");
        }
        if (address.length == 4) {
            // InetAddress turns ::ffff:a.b.c.d into an Inet4Address; keep the IPv6 form until the prefix is known.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(address, 0, mapped, 12, 4);
            address = mapped;
        }
        return address;
    }

    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length == 16 && network.length == 4 && isIpv4Mapped(candidate)) {
            candidate = Arrays.copyOfRange(candidate, 12, 16);
        }
        if (candidate.length != network.length) return false;
        return Arrays.equals(mask(candidate, prefixLength), network);
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    @Override
    public String toString() {
        return text;
    }
}
