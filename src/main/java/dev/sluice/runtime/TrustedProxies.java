package dev.sluice.runtime;

import dev.sluice.common.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * The peers whose {@code X-Forwarded-*} headers are believed: a list of CIDR blocks, usually short (a load
 * balancer subnet), scanned linearly.
 */
public final class TrustedProxies {
    private static final TrustedProxies NONE = new TrustedProxies(new Cidr[0]);

    private final Cidr[] blocks;

    private TrustedProxies(Cidr[] blocks) {
        this.blocks = blocks;
    }

    /** Compiles already validated CIDR strings. */
    public static TrustedProxies of(List<String> cidrs) {
        return cidrs.isEmpty() ? NONE : new TrustedProxies(cidrs.stream().map(Cidr::parse).toArray(Cidr[]::new));
    }

    public boolean isEmpty() {
        return blocks.length == 0;
    }

    public boolean isTrusted(InetAddress address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code address} is an IP literal inside a trusted block. */
    public boolean isTrusted(String address) {
        if (blocks.length == 0) {
            return false;
        }
        final byte[] bytes = io.netty.util.NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            return false;
        }
        for (Cidr block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }
}
