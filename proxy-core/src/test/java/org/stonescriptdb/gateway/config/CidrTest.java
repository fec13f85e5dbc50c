package org.stonescriptdb.gateway.config;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An Inet6Address in IPv4-mapped form; InetAddress.getByName would turn it into an Inet4Address. */
    private static InetAddress mapped(int a, int b, int c, int d) throws UnknownHostException {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        bytes[12] = (byte) a;
        bytes[13] = (byte) b;
        bytes[14] = (byte) c;
        bytes[15] = (byte) d;
        InetAddress address = Inet6Address.getByAddress(null, bytes, -1);
        assertThat(address).isInstanceOf(Inet6Address.class);
        return address;
    }

    @Test
    void ipv4Network() {
        Cidr c = Cidr.parse("10.1.0.0/16");
        assertTrue(c.contains(ip("10.1.0.0")));
        assertTrue(c.contains(ip("10.1.255.255")));
        assertFalse(c.contains(ip("10.2.0.0")));
        assertFalse(c.contains(ip("9.255.255.255")));
        assertFalse(c.contains(ip("::1")), "an IPv4 network never matches an IPv6 address");
        assertEquals("10.1.0.0/16", c.toString());
    }

    @Test
    void hostBitsAreMaskedOff() {
        assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.20.30.40/8"));
        assertTrue(Cidr.parse("10.20.30.40/8").contains(ip("10.99.0.1")));
        assertEquals(Cidr.parse("192.168.1.128/25"), Cidr.parse("192.168.1.200/25"));
        assertEquals(Cidr.parse("10.0.0.0/8").hashCode(), Cidr.parse("10.20.30.40/8").hashCode());
    }

    @Test
    void oddPrefixes() {
        Cidr c = Cidr.parse("192.168.1.128/25");
        assertTrue(c.contains(ip("192.168.1.255")));
        assertFalse(c.contains(ip("192.168.1.127")));
        Cidr v6 = Cidr.parse("2001:db8::/33");
        assertTrue(v6.contains(ip("2001:db8:7fff::1")));
        assertFalse(v6.contains(ip("2001:db8:8000::1")));
    }

    @Test
    void singleHosts() {
        Cidr bare = Cidr.parse("192.168.1.7");
        assertEquals(32, bare.prefixLength());
        assertEquals(Cidr.parse("192.168.1.7/32"), bare);
        assertTrue(bare.contains(ip("192.168.1.7")));
        assertFalse(bare.contains(ip("192.168.1.6")));
        Cidr v6 = Cidr.parse("::1");
        assertEquals(128, v6.prefixLength());
        assertEquals(Cidr.parse("::1/128"), v6);
        assertTrue(v6.contains(ip("::1")));
        assertFalse(v6.contains(ip("::2")));
        assertFalse(v6.contains(ip("127.0.0.1")));
    }

    @Test
    void zeroPrefixMatchesItsWholeFamily() {
        Cidr all4 = Cidr.parse("0.0.0.0/0");
        assertTrue(all4.contains(ip("1.2.3.4")));
        assertTrue(all4.contains(ip("255.255.255.255")));
        assertFalse(all4.contains(ip("::1")));
        Cidr all6 = Cidr.parse("::/0");
        assertTrue(all6.contains(ip("2001:db8::1")));
        assertTrue(all6.contains(ip("::1")));
        assertFalse(all6.contains(ip("1.2.3.4")));
    }

    @Test
    void ipv6Networks() {
        Cidr c = Cidr.parse("fd00:1234::/32");
        assertTrue(c.contains(ip("fd00:1234:ffff::9")));
        assertFalse(c.contains(ip("fd00:1235::")));
        assertTrue(Cidr.parse("FD00:1234::/32").contains(ip("fd00:1234::1")), "upper-case hex");
        assertEquals(Cidr.parse("::1/128"), Cidr.parse(" ::1/128 "));
    }

    @Test
    void ipv4NetworkMatchesIpv4MappedIpv6Addresses() throws UnknownHostException {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertTrue(c.contains(mapped(10, 0, 0, 5)));
        assertFalse(c.contains(mapped(11, 0, 0, 5)));
        assertTrue(Cidr.parse("127.0.0.1/32").contains(mapped(127, 0, 0, 1)));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(mapped(8, 8, 8, 8)));
        // Only the ::ffff:0:0/96 form counts; an IPv4-compatible or other IPv6 address with the same tail does not.
        byte[] compatible = new byte[16];
        compatible[12] = 10;
        compatible[15] = 5;
        assertFalse(c.contains(Inet6Address.getByAddress(null, compatible, -1)));
    }

    @Test
    void ipv4MappedLiteralIsReadAsItsIpv4Address() throws UnknownHostException {
        // InetAddress turns ::ffff:a.b.c.d into an Inet4Address, so the network is an IPv4 one.
        Cidr c = Cidr.parse("::ffff:10.0.0.1");
        assertEquals(32, c.prefixLength());
        assertTrue(c.contains(ip("10.0.0.1")));
        assertTrue(c.contains(mapped(10, 0, 0, 1)));
        assertFalse(c.contains(ip("10.0.0.2")));
    }

    @Test
    void badInputsAreRefused() {
        for (String bad : List.of("", " ", "/8", "localhost", "example.com", "host.local/32", "10.0.0.0/", "10.0.0.0/-1",
                "10.0.0.0/33", "::/129", "10.0.0.0/8/8", "10.0.0.0/x", "[::1]", "::1%lo")) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> Cidr.parse("localhost")).hasMessage("not an IP network: 'localhost'");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessage("prefix length out of range in '10.0.0.0/33'");
    }

    /**
     * InetAddress accepts the old BSD short forms: "192.168" is 192.0.0.168 and "10" is 0.0.0.10. So
     * ALLOWED_NETWORKS=192.168/16 would silently admit 192.0.0.0/16 instead of 192.168.0.0/16 (PostgreSQL's own
     * cidr type reads 192.168/16 as 192.168.0.0/16). Short forms are refused, with a message saying why.
     */
    @Test
    void abbreviatedIpv4IsRefusedOrReadAsPostgresDoes() {
        for (String shortForm : List.of("192.168/16", "10/8", "10", "127.1", "10.0.1/24")) {
            assertThatThrownBy(() -> Cidr.parse(shortForm)).as("'%s'", shortForm).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("abbreviated IPv4 address in '" + shortForm + "': write all four parts, such as 192.168.0.0/16");
        }
    }

    /** Only literals: nothing that InetAddress would look up as a host name gets to it. */
    @Test
    void hostLikeNamesAreRefusedWithoutALookup() {
        for (String name : List.of("cafe", "dead.beef", "1.2.3.4.5", "1.2.3.4.5/32", "beef/16", "a.b.c.d", "0x7f.0.0.1",
                "1.2.3.256", "1.2.3.-4", "1..2.3", "1.2.3.4.", ".1.2.3.4", "10.0.0.01", "fe80::1%eth0", "::g", "::1.2.3",
                "::ffff:1.2.3.256", "12345::", "1:2:3:4:5:6:7:8:9", "::1::", "10.0.0.0/+8", "10.0.0.0/ 8", "::/0129", "1.2.3.4/1e1")) {
            assertThatThrownBy(() -> Cidr.parse(name)).as("'%s'", name).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + name + "'");
        }
        assertThatThrownBy(() -> Cidr.parse("cafe")).hasMessage("not an IP network: 'cafe'");
        assertThatThrownBy(() -> Cidr.parse("1.2.3.256")).hasMessageContaining("256 is more than 255");
        assertThatThrownBy(() -> Cidr.parse("1.2.3.4.5")).hasMessageContaining("more than four parts");
    }

    @Test
    void ipv4MappedNetworkIsItsIpv4Range() throws UnknownHostException {
        Cidr c = Cidr.parse("::ffff:10.0.0.0/104");
        assertEquals(Cidr.parse("10.0.0.0/8"), c);
        assertEquals(8, c.prefixLength());
        assertTrue(c.contains(ip("10.200.0.1")));
        assertTrue(c.contains(mapped(10, 1, 2, 3)));
        assertFalse(c.contains(ip("11.0.0.1")));
        assertFalse(c.contains(mapped(11, 0, 0, 1)));
        assertEquals("::ffff:10.0.0.0/104", c.toString());
        assertEquals(Cidr.parse("0.0.0.0/0"), Cidr.parse("::ffff:0:0/96"), "the whole mapped range is all of IPv4");
        assertEquals(Cidr.parse("192.168.1.7/32"), Cidr.parse("::FFFF:192.168.1.7/128"));
        // Shorter than /96 it reaches outside the mapped range: an IPv6 network.
        Cidr wide = Cidr.parse("::ffff:10.0.0.0/80");
        assertEquals(80, wide.prefixLength());
        assertTrue(wide.contains(mapped(99, 0, 0, 1)));
        assertFalse(wide.contains(ip("2001:db8::1")));
        assertThatThrownBy(() -> Cidr.parse("::ffff:10.0.0.0/129")).hasMessage("prefix length out of range in '::ffff:10.0.0.0/129'");
    }

    @Test
    void ipv6FormsStillParse() {
        assertEquals(128, Cidr.parse("1:2:3:4:5:6:7:8").prefixLength());
        assertEquals(Cidr.parse("::/0"), Cidr.parse("0:0:0:0:0:0:0:0/0"));
        assertTrue(Cidr.parse("::1.2.3.4/128").contains(ip("::1.2.3.4")), "IPv4-compatible form stays IPv6");
        assertTrue(Cidr.parse("2001:DB8::/32").contains(ip("2001:db8::5")));
        assertEquals(Cidr.parse("0.0.0.0/0"), Cidr.parse("0.0.0.0/00"));
    }
}
