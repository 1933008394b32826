package dev.sluice.upstream.health;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * Resolves every connection attempt to a loopback port chosen by a script of the attempt's number (1, 2, ...), so a
 * test decides what each successive probe meets (a 500, a refused connection, a hang) without racing the checker's
 * timers, and knows how many probes were made.
 */
final class ScriptedResolver extends AddressResolverGroup<InetSocketAddress> {
    private final AtomicInteger attempts = new AtomicInteger();
    private final IntUnaryOperator portOfAttempt;

    /** {@code portOfAttempt} maps the attempt number, from 1, to the loopback port it connects to. */
    ScriptedResolver(IntUnaryOperator portOfAttempt) {
        this.portOfAttempt = portOfAttempt;
    }

    /** Returns the number of connection attempts so far. */
    int attempts() {
        return attempts.get();
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new AbstractAddressResolver<>(executor) {
            @Override
            protected boolean doIsResolved(InetSocketAddress address) {
                return !address.isUnresolved();
            }

            @Override
            protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
                promise.setSuccess(new InetSocketAddress("127.0.0.1", portOfAttempt.applyAsInt(
                        attempts.incrementAndGet())));
            }

            @Override
            protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
                final Promise<InetSocketAddress> one = executor().newPromise();
                doResolve(unresolved, one);
                promise.setSuccess(List.of(one.getNow()));
            }
        };
    }
}
