package dev.sluice.common;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a full-length
 * block.
 *
 * @param network the block's address bytes (4 or 16), host bits cleared
 * @param prefix  number of leading bits that must match
 */
public record Cidr(byte[] network, int prefix) {

    /**
     * Parses {@code address[/prefix]}; only literal addresses are accepted, never host names (no DNS lookups).
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static Cidr parse(String text) {
        final int slash = text.indexOf('/');
        final String addr = slash < 0 ? text.trim() : text.substring(0, slash).trim();
        final byte[] bytes = NetUtil.createByteArrayFromIpAddressString(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address or CIDR block "
                    + "(expected: like 10.0.0.0/8, 192.168.1.7 or fd00::/8)");
        }
        final int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("\"" + text + "\" has an invalid prefix length (expected: 0.."
                        + max + ")");
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(bytes, prefix);
    }

    /** True when {@code address} (4 or 16 bytes) lies in this block; IPv4-mapped IPv6 matches IPv4 blocks. */
    public boolean contains(byte[] address) {
        byte[] a = address;
        if (a.length == 16 && network.length == 4 && isIpv4Mapped(a)) {
            a = new byte[] {a[12], a[13], a[14], a[15]};
        }
        if (a.length != network.length) {
            return false;
        }
        final int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        final int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        final int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    /** True when the textual IP address lies in this block; false for anything that is not an IP literal. */
    public boolean contains(String address) {
        final byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        return bytes != null && contains(bytes);
    }

    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return "?/" + prefix;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr && ((Cidr) o).prefix == prefix && java.util.Arrays.equals(((Cidr) o).network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefix;
    }
}
