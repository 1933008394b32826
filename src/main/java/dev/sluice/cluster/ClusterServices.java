package dev.sluice.cluster;

import dev.sluice.config.ClusterSpec;
import dev.sluice.policy.ratelimit.RateLimitBackend;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's membership of a gateway cluster on Redis: the connection, the cluster rate limiter and the
 * instance heartbeat, with a connection that is retried in the background until Redis is reachable.
 *
 * <p>The gateway starts whether or not Redis answers: until it does, cluster-scope decisions fail at once and each
 * policy applies its {@code on_redis_failure} behaviour (DESIGN.md: unreachable Redis never stops the gateway).
 *
 * <p>Threading: one scheduler thread (connect retries and the heartbeat); never an event loop.
 */
public final class ClusterServices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterServices.class);
    /** Between connection attempts while Redis is unreachable at startup. */
    private static final long RETRY_SECONDS = 1;

    private final ClusterSpec spec;
    private final String instanceId;
    private final ScheduledExecutorService scheduler;
    private final RateLimitBackend rateLimits;
    private volatile RedisClusterClient client;
    private volatile ClusterRateLimiter limiter;
    private volatile InstanceHeartbeat heartbeat;
    private volatile boolean closed;

    private ClusterServices(ClusterSpec spec) {
        this.spec = spec;
        this.instanceId = newInstanceId();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "sluice-cluster");
            t.setDaemon(true);
            return t;
        });
        this.rateLimits = new RedisRateLimitBackend(() -> limiter, () -> heartbeat);
    }

    /** Starts connecting to {@code spec.redis()}; returns at once (the first attempt runs in the background). */
    public static ClusterServices start(ClusterSpec spec) {
        final ClusterServices services = new ClusterServices(spec);
        services.scheduler.execute(services::connect);
        return services;
    }

    public RateLimitBackend rateLimits() {
        return rateLimits;
    }

    /** True once Redis was reached and the cluster limiter is ready. */
    public boolean isConnected() {
        return limiter != null;
    }

    public String instanceId() {
        return instanceId;
    }

    /** True while Redis answers (false before the first connection and while it is known to be down). */
    public boolean isRedisUp() {
        final RedisClusterClient c = client;
        return c != null && c.health().isUp();
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            final RedisClusterClient c = RedisClusterClient.builder(spec.redis())
                    .commandTimeout(spec.commandTimeout())
                    .connect();
            client = c;
            heartbeat = InstanceHeartbeat.start(c, spec.name(), instanceId, scheduler);
            limiter = new ClusterRateLimiter(c);
            log.info("cluster \"{}\": connected to Redis as instance {}", spec.name(), instanceId);
        } catch (RuntimeException e) {
            log.warn("cluster \"{}\": Redis unreachable ({}); cluster rate limits use their on_redis_failure"
                    + " behaviour, retrying every {} s", spec.name(), e.getMessage(), RETRY_SECONDS);
            scheduler.schedule(this::connect, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        final InstanceHeartbeat h = heartbeat;
        final RedisClusterClient c = client;
        scheduler.execute(() -> {
            if (h != null) {
                h.close();
            }
            if (c != null) {
                c.close();
            }
        });
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** host-pid-random: unique per process, readable in Redis. */
    private static String newInstanceId() {
        final String runtime = ManagementFactory.getRuntimeMXBean().getName(); // "pid@host"
        final String id = runtime.replace('@', '-') + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        return id.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
