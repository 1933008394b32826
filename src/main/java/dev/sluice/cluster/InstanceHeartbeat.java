package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: beats run on the injected scheduler (never an event loop) and only issue one async script call; the
 * reply lands on Lettuce's I/O thread and publishes the count with one volatile write. liveInstances() is a volatile
 * read, cheap enough for the request path.
 *
 * Invariants: liveInstances >= 1 (this instance is alive by definition, even before the first reply or while Redis
 * is down). While Redis is down the count keeps its last known value: that is the best estimate for dividing a
 * limit among the instances in local-fallback mode, and instances that died since then only make the share smaller,
 * i.e. safer.
 *
 * Algorithm: one sorted set per gateway cluster, member = instance id, score = expiry time (Redis time + ttl). Each
 * beat, in one script: trim expired members, add or refresh this one, count. An instance that stops beating drops
 * out within ttl; close() removes it at once. ttl is a few periods so that one slow or lost beat does not make an
 * instance vanish. Each beat is also a trial call for RedisHealth, so recovery from an outage is noticed within one
 * period even without traffic.
 */

/** Registers this gateway instance in Redis every period and keeps the number of live instances of its cluster. */
public final class InstanceHeartbeat implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceHeartbeat.class);

    private final RedisClusterClient redis;
    private final String redisKey;
    private final String instanceId;
    private final String ttlMicros;
    private final ScheduledFuture<?> task;
    private volatile int liveInstances = 1;

    private InstanceHeartbeat(RedisClusterClient redis, String cluster, String instanceId,
            ScheduledExecutorService scheduler, Duration period, Duration ttl) {
        this.redis = requireNonNull(redis, "redis");
        this.redisKey = ClusterKeys.instances(cluster);
        this.instanceId = requireNonNull(instanceId, "instanceId");
        requireNonNull(scheduler, "scheduler");
        requireNonNull(period, "period");
        requireNonNull(ttl, "ttl");
        if (period.toMillis() < 1) {
            throw new IllegalArgumentException("period: " + period + " (expected: >= 1 ms)");
        }
        if (ttl.compareTo(period.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: >= 2 * period = "
                    + period.multipliedBy(2) + ", so one late beat does not drop the instance)");
        }
        this.ttlMicros = Long.toString(ttl.toNanos() / 1000);
        this.task = scheduler.scheduleAtFixedRate(this::beatQuietly, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts beating every {@code period} on {@code scheduler}; an instance that stops counts as dead after
     * {@code ttl} (at least two periods).
     *
     * @param cluster    the name of the gateway cluster (instances sharing Redis and limits); no {@code :{}}
     * @param instanceId this instance's id, unique in the cluster (e.g. pod name)
     */
    public static InstanceHeartbeat start(RedisClusterClient redis, String cluster, String instanceId,
            ScheduledExecutorService scheduler, Duration period, Duration ttl) {
        return new InstanceHeartbeat(redis, cluster, instanceId, scheduler, period, ttl);
    }

    /** Starts beating every second with a 3 s time to live. */
    public static InstanceHeartbeat start(RedisClusterClient redis, String cluster, String instanceId,
            ScheduledExecutorService scheduler) {
        return start(redis, cluster, instanceId, scheduler, Duration.ofSeconds(1), Duration.ofSeconds(3));
    }

    /** Returns the number of live instances in this cluster at the last beat; at least 1 (this one). */
    public int liveInstances() {
        return liveInstances;
    }

    /** Returns this instance's id. */
    public String instanceId() {
        return instanceId;
    }

    /**
     * Stops beating and removes this instance from the set so the others see it gone at their next beat; the
     * removal is sent without waiting for the reply.
     */
    @Override
    public void close() {
        task.cancel(/* mayInterruptIfRunning= */ false);
        redis.execute(c -> c.zrem(redisKey, instanceId)).whenComplete((removed, failure) -> {
            if (failure != null) {
                LOG.debug("Could not deregister instance {}; it expires on its own", instanceId, failure);
            }
        });
    }

    /** Stops beating without deregistering, as a crashed instance would; for tests. */
    void stopBeating() {
        task.cancel(/* mayInterruptIfRunning= */ false);
    }

    /** Sends one beat now and completes with the live count. */
    CompletionStage<Integer> beat() {
        return redis.<Long>runScript(LuaScript.INSTANCE_HEARTBEAT, ScriptOutputType.INTEGER,
                new String[] {redisKey}, LuaScript.SERVER_TIME, instanceId, ttlMicros)
                .thenApply(count -> {
                    // The script counts this instance, so count >= 1 unless Redis is not the one we wrote to.
                    final int live = (int) Math.max(1, Math.min(Integer.MAX_VALUE, count));
                    liveInstances = live;
                    return live;
                });
    }

    private void beatQuietly() {
        // A scheduled task that throws is never run again, so every failure stays inside the stage.
        try {
            beat().whenComplete((live, failure) -> {
                if (failure != null) {
                    LOG.debug("Heartbeat of {} failed; keeping {} live instances", instanceId, liveInstances);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Heartbeat of {} failed", instanceId, e);
        }
    }
}
