package dev.sluice.upstream.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.TestUpstream;
import dev.sluice.upstream.Endpoint;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectionPool} against a real upstream on a real event loop. Every pool call runs on that loop, as the
 * pool requires; the test thread only submits tasks and waits for their outcome.
 */
class ConnectionPoolTest {
    private MultiThreadIoEventLoopGroup group;
    private EventLoop loop;
    private TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        upstream = TestUpstream.start("u");
    }

    @AfterEach
    void stop() {
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void acquire_emptyPool_opensConnectionAsynchronously() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 2, 2, Duration.ofSeconds(60));
        final Recorder a = acquire(pool);
        assertThat(a.acquired.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(a.synchronous).isFalse();
        assertThat(onLoop(pool::openConnections)).isEqualTo(1);
    }

    @Test
    void acquire_afterReusableRelease_reusesSameConnectionSynchronously() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 2, 2, Duration.ofSeconds(60));
        final PooledConnection first = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        onLoop(() -> pool.release(first, true));
        final Recorder b = acquire(pool);
        assertThat(b.acquired.get(5, TimeUnit.SECONDS)).isSameAs(first);
        assertThat(b.synchronous).isTrue();
    }

    @Test
    void acquire_atMaxConnections_waiterGetsReleasedConnection() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 1, 1, Duration.ofSeconds(60));
        final PooledConnection held = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        final Recorder waiter = acquire(pool);
        assertThat(waiter.acquired).isNotDone();
        onLoop(() -> pool.release(held, true));
        assertThat(waiter.acquired.get(5, TimeUnit.SECONDS)).isSameAs(held);
    }

    @Test
    void acquire_pendingQueueFull_failsWithPoolExhausted() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 1, 1, Duration.ofSeconds(60));
        acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        acquire(pool);
        final Recorder third = acquire(pool);
        assertThat(third.failed.get(5, TimeUnit.SECONDS)).isInstanceOf(ConnectionPool.PoolExhaustedException.class);
    }

    @Test
    void cancel_waitingAcquirer_isNotServed() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 1, 1, Duration.ofSeconds(60));
        final PooledConnection held = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        final Recorder waiter = acquire(pool);
        onLoop(() -> pool.cancel(waiter));
        onLoop(() -> pool.release(held, true));
        assertThat(waiter.acquired).isNotDone();
        assertThat(onLoop(pool::idleConnections)).isEqualTo(1);
    }

    @Test
    void release_notReusable_closesConnection() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 2, 2, Duration.ofSeconds(60));
        final PooledConnection c = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        onLoop(() -> pool.release(c, false));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> upstream.connections() == 1 && upstream.openConnections() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(pool::openConnections) == 0);
    }

    @Test
    void release_notReusableWithWaiter_connectsForWaiter() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 1, 1, Duration.ofSeconds(60));
        final PooledConnection held = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        final Recorder waiter = acquire(pool);
        onLoop(() -> pool.release(held, false));
        assertThat(waiter.acquired.get(5, TimeUnit.SECONDS)).isNotSameAs(held);
        // The upstream counts a connection on its own loop, maybe after the pool saw it connect.
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.connections() == 2);
    }

    @Test
    void idleSweep_connectionIdleBeyondTimeout_closesIt() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 2, 2, Duration.ofMillis(100));
        final PooledConnection c = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        onLoop(() -> pool.release(c, true));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> upstream.connections() == 1 && upstream.openConnections() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(pool::openConnections) == 0);
    }

    @Test
    void acquire_connectRefusedWithWaiter_waiterFailsToo() throws Exception {
        final ConnectionPool pool = pool(closedPort(), 1, 5, Duration.ofSeconds(60));
        final Recorder[] both = onLoop(() -> new Recorder[] {acquireOnLoop(pool), acquireOnLoop(pool)});
        assertThat(both[0].failed.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(both[1].failed.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(onLoop(pool::openConnections)).isZero();
    }

    @Test
    void onClosed_slotAlreadyReused_doesNotExceedMaxConnections() throws Exception {
        final ConnectionPool pool = pool(upstream.port(), 1, 1, Duration.ofSeconds(60));
        final PooledConnection first = acquire(pool).acquired.get(5, TimeUnit.SECONDS);
        onLoop(() -> pool.release(first, true));
        // In one loop task: the idle connection dies (its close event comes later), an acquire finds it dead and
        // opens a replacement in its slot, and a further acquire has to wait.
        final Recorder[] both = onLoop(() -> {
            first.channel().close();
            return new Recorder[] {acquireOnLoop(pool), acquireOnLoop(pool)};
        });
        final PooledConnection second = both[0].acquired.get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.channel().isOpen());
        assertThat(onLoop(pool::openConnections)).isEqualTo(1);
        assertThat(both[1].acquired).isNotDone();
        onLoop(() -> pool.release(second, true));
        assertThat(both[1].acquired.get(5, TimeUnit.SECONDS)).isSameAs(second);
    }

    private ConnectionPool pool(int port, int max, int pending, Duration idle) throws Exception {
        final PoolSettings settings = new PoolSettings(max, pending, idle.toNanos());
        return onLoop(() -> new ConnectionPool(loop, new Endpoint("127.0.0.1", port, 1), settings,
                NioSocketChannel.class, DefaultAddressResolverGroup.INSTANCE, 8192));
    }

    private Recorder acquire(ConnectionPool pool) throws Exception {
        return onLoop(() -> acquireOnLoop(pool));
    }

    private static Recorder acquireOnLoop(ConnectionPool pool) {
        final Recorder r = new Recorder();
        pool.acquire(r);
        return r;
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    private void onLoop(Runnable task) throws Exception {
        loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An acquirer that records what the pool did with it. */
    private static final class Recorder implements ConnectionPool.Acquirer {
        final CompletableFuture<PooledConnection> acquired = new CompletableFuture<>();
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();
        volatile boolean synchronous;

        @Override
        public void onAcquired(PooledConnection connection, boolean isSynchronous) {
            synchronous = isSynchronous;
            acquired.complete(connection);
        }

        @Override
        public void onAcquireFailed(ConnectionPool pool, Throwable cause) {
            failed.complete(cause);
        }

        @Override
        public int connectTimeoutMillis() {
            return 2000;
        }

        @Override
        public void onResponseHead(HttpResponse head) {
        }

        @Override
        public void onResponseContent(HttpContent content) {
            content.release();
        }

        @Override
        public void onUpstreamReadComplete() {
        }

        @Override
        public void onUpstreamWritabilityChanged(boolean writable) {
        }

        @Override
        public void onUpstreamClosed(Throwable cause) {
        }
    }
}
