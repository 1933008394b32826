package dev.sluice.upstream.pool;

import dev.sluice.upstream.Endpoint;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * All upstream connection pools of one gateway: one pool per (event loop, endpoint).
 *
 * <p>Threading: {@link #pool} is called on an event loop and touches only that loop's map (a fast thread-local),
 * so lookups take no lock. Pools outlive configuration snapshots: they are keyed by endpoint address, so a reload
 * that keeps an endpoint keeps its warm connections; an endpoint that is removed stops being used and its idle
 * connections expire through the idle sweep.
 */
public final class PoolRegistry {
    private final Class<? extends SocketChannel> channelType;
    private final AddressResolverGroup<? extends SocketAddress> resolver;
    private final int maxResponseHeaderSize;
    private final List<LoopPools> allLoops = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<LoopPools> perLoop = new FastThreadLocal<>() {
        @Override
        protected LoopPools initialValue() {
            final LoopPools pools = new LoopPools();
            allLoops.add(pools);
            return pools;
        }
    };

    public PoolRegistry(Class<? extends SocketChannel> channelType,
            AddressResolverGroup<? extends SocketAddress> resolver, int maxResponseHeaderSize) {
        this.channelType = channelType;
        this.resolver = resolver;
        this.maxResponseHeaderSize = maxResponseHeaderSize;
    }

    /** The pool of {@code loop} for {@code endpoint}, created on first use. Event loop only ({@code loop}'s). */
    public ConnectionPool pool(EventLoop loop, Endpoint endpoint, PoolSettings settings) {
        assert loop.inEventLoop();
        final LoopPools pools = perLoop.get();
        pools.loop = loop;
        ConnectionPool pool = pools.byKey.get(endpoint.key());
        if (pool == null) {
            pool = new ConnectionPool(loop, endpoint, settings, channelType, resolver, maxResponseHeaderSize);
            pools.byKey.put(endpoint.key(), pool);
        } else if (pool.settings() != settings) {
            pool.update(settings);
        }
        return pool;
    }

    /** Total open upstream connections over all loops; waits for each loop to answer (not for event loops). */
    public int openConnections() {
        int total = 0;
        for (LoopPools pools : allLoops) {
            total += onLoop(pools, () -> pools.byKey.values().stream().mapToInt(ConnectionPool::openConnections)
                    .sum());
        }
        return total;
    }

    /** Closes every pool: idle connections now, held ones when released. Not for event loops. */
    public void closeAll() {
        for (LoopPools pools : allLoops) {
            onLoop(pools, () -> {
                new ArrayList<>(pools.byKey.values()).forEach(ConnectionPool::close);
                return 0;
            });
        }
    }

    private static int onLoop(LoopPools pools, java.util.function.IntSupplier task) {
        if (pools.loop == null || pools.loop.isShutdown()) {
            return 0;
        }
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        try {
            pools.loop.execute(() -> result.complete(task.getAsInt()));
            // Bounded: a loop that is shutting down or stuck must not hang the caller (often the shutdown hook).
            return result.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The pools of one event loop; touched only by that loop's thread. */
    private static final class LoopPools {
        final Map<String, ConnectionPool> byKey = new HashMap<>();
        volatile EventLoop loop;
    }
}
