package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: connect() and close() block (bounded by the connect timeout) and run on the config or lifecycle thread,
 * never an event loop. Everything else is non-blocking and callable from any thread: Lettuce's connection is
 * thread-safe and pipelines commands from all callers over one socket. Stages complete on Lettuce's I/O thread;
 * callers that continue on a gateway event loop hop there themselves (whenCompleteAsync(..., ctx.executor())).
 *
 * Ownership: this object owns its ClientResources, RedisClient and connection and releases all three in close().
 *
 * Resources: Lettuce's defaults size its I/O and computation pools to the core count, as if Redis were the
 * application's main work. Here it is one connection: a Netty channel is served by exactly one event loop, so one
 * I/O thread carries all of it and more would sit idle holding memory; the computation pool only runs the event bus
 * and reconnect scheduling, so one thread is plenty. Keeping both at 1 leaves the cores to the gateway's own loops.
 *
 * Failure handling: commands time out after commandTimeout (default 100 ms: a healthy Redis answers in well under a
 * millisecond, and a rate-limit decision that takes longer than a tenth of a second is worse than the policy's
 * fallback). While the connection is down, commands are rejected at once instead of queued (a queue would replay
 * stale decisions on reconnect and hold requests until then), and Lettuce reconnects in the background with backoff
 * from 10 ms up to 1 s. RedisHealth turns failures into fail-fast refusals until a trial call succeeds.
 */

/**
 * The gateway's connection to Redis: one Lettuce connection with a short command timeout, automatic reconnect, and a
 * {@link RedisHealth} that makes calls fail fast while Redis is down.
 *
 * <pre>{@code
 * // On the config thread, never an event loop:
 * final RedisClusterClient redis = RedisClusterClient.builder("redis://:secret@10.0.0.7:6379/0")
 *         .commandTimeout(Duration.ofMillis(100))
 *         .connect();
 * final ClusterRateLimiter limiter = new ClusterRateLimiter(redis);
 * ...
 * redis.close();
 * }</pre>
 */
public final class RedisClusterClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisClusterClient.class);
    /** Server states in which Redis answers but cannot serve us: treated as unavailable, like a timeout. */
    private static final String[] UNAVAILABLE_ERRORS = {
        "LOADING", "BUSY", "READONLY", "MASTERDOWN", "OOM", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "NOAUTH",
        "WRONGPASS",
    };

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> commands;
    private final ScriptRunner scripts;
    private final RedisHealth health;
    private final Duration commandTimeout;
    private final String address;
    /** Shared by every fail-fast refusal: it has no stack trace and no cause, so it is immutable. */
    private final RedisUnavailableException failFast;

    private RedisClusterClient(Builder builder, ClientResources resources, RedisClient client,
            StatefulRedisConnection<String, String> connection, String address) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.commands = connection.async();
        this.scripts = new ScriptRunner(commands);
        this.health = new RedisHealth(builder.probeInterval, builder.nanoClock);
        this.commandTimeout = builder.commandTimeout;
        this.address = address;
        this.failFast = new RedisUnavailableException("Redis at " + address
                + " is down; failing fast until a trial call succeeds", null);
    }

    /**
     * Starts configuring a client for {@code uri}: {@code redis://[[user]:password@]host[:port][/db]}, or
     * {@code rediss://} for TLS.
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /** Returns the tracker that says whether Redis is answering. */
    public RedisHealth health() {
        return health;
    }

    /** Returns the timeout of every command. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Closes the connection and the client's threads, waiting at most a couple of seconds. Not on an event loop. */
    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Lettuce resources for {} did not shut down cleanly", address, e);
        }
    }

    @Override
    public String toString() {
        return "RedisClusterClient(" + address + ", " + health + ")";
    }

    /** Runs {@code script} through {@link #execute}: one EVALSHA round trip (two more only after NOSCRIPT). */
    <T> CompletionStage<T> runScript(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        return execute(c -> scripts.<T>run(script, type, keys, args));
    }

    /**
     * Issues the commands of {@code call} unless Redis is known to be down, and maps the outcome for the caller.
     *
     * <p>The stage completes exceptionally with {@link RedisUnavailableException} when Redis is down (at once, without
     * a round trip), times out, or refuses service; with the Redis error itself for failures that are the call's own
     * (a script error, a wrong key type), which are bugs and leave the health untouched.
     */
    <T> CompletionStage<T> execute(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> call) {
        if (!health.tryAcquirePermission()) {
            return CompletableFuture.failedFuture(failFast);
        }
        CompletionStage<T> stage;
        try {
            stage = call.apply(commands);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> {
            if (failure == null) {
                health.onSuccess();
                result.complete(value);
                return;
            }
            final Throwable cause = ScriptRunner.unwrap(failure);
            if (isUnavailable(cause)) {
                health.onFailure();
                result.completeExceptionally(new RedisUnavailableException("Redis at " + address + ": " + cause,
                        cause));
            } else {
                // Redis answered, so it is up; the error is this call's own.
                health.onSuccess();
                result.completeExceptionally(cause);
            }
        });
        return result;
    }

    /** Returns the async commands of the one connection, for tests that inspect Redis. */
    RedisAsyncCommands<String, String> commands() {
        return commands;
    }

    static boolean isUnavailable(Throwable cause) {
        if (cause instanceof RedisCommandTimeoutException) {
            return true;
        }
        if (cause instanceof RedisCommandExecutionException) {
            final String message = String.valueOf(cause.getMessage());
            for (final String prefix : UNAVAILABLE_ERRORS) {
                if (message.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }
        // Connection refused, reset or closed, "Currently not connected", a command cancelled by a disconnect.
        return cause instanceof RedisException || cause instanceof IOException
                || cause instanceof CancellationException;
    }

    /** Configures and connects a {@link RedisClusterClient}. */
    public static final class Builder {
        private final String uri;
        private Duration commandTimeout = Duration.ofMillis(100);
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration probeInterval = Duration.ofSeconds(1);
        private LongSupplier nanoClock = System::nanoTime;

        private Builder(String uri) {
            this.uri = requireNonNull(uri, "uri");
        }

        /** Sets the timeout of every command (default 100 ms). */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive(timeout, "commandTimeout");
            return this;
        }

        /** Sets the timeout of connecting and reconnecting (default 1 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** Sets how often one trial call goes through while Redis is down (default 1 s). */
        public Builder probeInterval(Duration interval) {
            this.probeInterval = positive(interval, "probeInterval");
            return this;
        }

        /** Sets the monotonic nanosecond clock of the health tracker (default {@code System::nanoTime}). */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = requireNonNull(clock, "nanoClock");
            return this;
        }

        /**
         * Connects, loads the scripts, and returns the client; blocks for at most about twice the connect timeout.
         * Call it on the config thread, never on an event loop.
         *
         * @throws IllegalArgumentException  if the URI is malformed
         * @throws RedisUnavailableException if Redis cannot be reached
         */
        public RedisClusterClient connect() {
            final RedisURI redisUri;
            try {
                redisUri = RedisURI.create(uri);
            } catch (RuntimeException e) {
                // The message of a malformed URI would echo the password; name only the scheme.
                throw new IllegalArgumentException("cluster.redis: malformed URI (expected:"
                        + " redis://[[user]:password@]host[:port][/db] or rediss://...)", e);
            }
            redisUri.setTimeout(commandTimeout);
            final String address = redisUri.getHost() + ':' + redisUri.getPort() + '/' + redisUri.getDatabase();
            final ClientResources resources = DefaultClientResources.builder()
                    .ioThreadPoolSize(1)
                    .computationThreadPoolSize(1)
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2,
                            TimeUnit.MILLISECONDS))
                    .build();
            final RedisClient client = RedisClient.create(resources, redisUri);
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                    .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build())
                    .build());
            final StatefulRedisConnection<String, String> connection;
            try {
                connection = client.connect(StringCodec.UTF8);
            } catch (RedisException e) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                resources.shutdown(0, 2, TimeUnit.SECONDS);
                throw new RedisUnavailableException("cannot connect to Redis at " + address, e);
            }
            final RedisClusterClient result = new RedisClusterClient(this, resources, client, connection, address);
            try {
                // Not needed for correctness (EVALSHA reloads on NOSCRIPT), but it spares the first decisions the
                // NOSCRIPT detour. We are on the config thread, so waiting here is allowed.
                result.scripts.loadAll().toCompletableFuture().get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("Could not preload the Lua scripts into Redis at {}; they load on first use", address, e);
            }
            LOG.info("Connected to Redis at {} (command timeout {} ms)", address, commandTimeout.toMillis());
            return result;
        }

        private static Duration positive(Duration value, String name) {
            requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
