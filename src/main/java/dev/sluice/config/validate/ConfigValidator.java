package dev.sluice.config.validate;

import dev.sluice.config.BalancerKind;
import dev.sluice.config.BreakerWindow;
import dev.sluice.config.CircuitBreakerSpec;
import dev.sluice.config.ConcurrencySpec;
import dev.sluice.config.DataSize;
import dev.sluice.config.FallbackSpec;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.HashOn;
import dev.sluice.config.HeaderRulesSpec;
import dev.sluice.config.HealthCheckSpec;
import dev.sluice.config.MatchSpec;
import dev.sluice.config.OutcomeSet;
import dev.sluice.config.Percent;
import dev.sluice.config.PoolSpec;
import dev.sluice.config.RetrySpec;
import dev.sluice.config.RouteSpec;
import dev.sluice.config.ServerSpec;
import dev.sluice.config.StaticResponseSpec;
import dev.sluice.config.StatusSet;
import dev.sluice.config.TargetSpec;
import dev.sluice.config.TimeoutsSpec;
import dev.sluice.config.UpstreamSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a bound {@link GatewayConfig} for semantic mistakes and returns all of them, each at its path.
 *
 * <p>Checks what can be decided from the configuration alone: ranges, syntax of addresses, names and header tokens,
 * references between routes and upstreams. The deep syntax of path templates and regular expressions is left to the
 * router compiler, which owns that grammar; checking it twice would let the two drift apart.
 *
 * <p>Threading: stateless and thread-safe.
 */
public final class ConfigValidator {
    /** Ids and upstream names appear in metric tags, log fields and state keys, so they stay in a safe alphabet. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final int MAX_WEIGHT = 10_000;
    /** Far above any sensible thread count; catches a typo such as {@code workers: 80000} before it spawns threads. */
    private static final int MAX_WORKERS = 4096;
    /** Retries multiply load; more than 10 tries of one request is a configuration mistake, not resilience. */
    private static final int MAX_ATTEMPTS = 10;
    /** A count window is an array of this many slots per breaker. */
    private static final int MAX_WINDOW_CALLS = 100_000;

    /** Creates a validator. */
    public ConfigValidator() {
    }

    /** Validates {@code config}; an empty list means it may be compiled and applied. */
    public List<ConfigProblem> validate(GatewayConfig config) {
        Objects.requireNonNull(config, "config");
        final Run run = new Run(config.cluster().isEnabled());
        run.server(config.server());
        run.cluster(config.cluster());
        config.upstreams().forEach((name, upstream) -> run.upstream(name, upstream));
        final List<RouteSpec> routes = config.routes();
        final Map<String, Integer> firstIndexById = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            run.route(ConfigPath.index("routes", i), routes.get(i), config.upstreams(), firstIndexById, i);
        }
        return run.problems;
    }

    /** The problems of one validation, with the checks that add to them. */
    private static final class Run {
        final List<ConfigProblem> problems = new ArrayList<>();
        final boolean clusterEnabled;

        Run(boolean clusterEnabled) {
            this.clusterEnabled = clusterEnabled;
        }

        void cluster(dev.sluice.config.ClusterSpec cluster) {
            if (cluster.redis() != null) {
                final String redis = cluster.redis();
                if (!(redis.startsWith("redis://") || redis.startsWith("rediss://"))
                        || redis.length() <= redis.indexOf("//") + 2) {
                    problem("cluster.redis", "\"" + redis + "\" is not a Redis URI (expected"
                            + " redis://[password@]host:port[/db] or rediss://...)");
                }
            }
            if (!cluster.name().matches("[A-Za-z0-9._-]+")) {
                problem("cluster.name", "\"" + cluster.name() + "\" may contain only letters, digits, '.', '_' and '-'");
            }
            positive("cluster.command_timeout", cluster.commandTimeout());
        }

        void policies(String path, List<dev.sluice.config.PolicySpec> policies) {
            final java.util.Set<String> names = new java.util.HashSet<>();
            for (int i = 0; i < policies.size(); i++) {
                final dev.sluice.config.PolicySpec policy = policies.get(i);
                final String at = ConfigPath.key(ConfigPath.index(path, i), policy.type());
                if (policy instanceof dev.sluice.config.RateLimitSpec) {
                    rateLimit(at, (dev.sluice.config.RateLimitSpec) policy);
                }
                final String name = policy instanceof dev.sluice.config.RateLimitSpec
                        && ((dev.sluice.config.RateLimitSpec) policy).algorithm() == null ? null : policy.name();
                if (name != null && !names.add(name)) {
                    problem(ConfigPath.key(at, "name"), "\"" + name + "\" is used by another policy of this route"
                            + " (expected unique names; set name: on one of them)");
                }
            }
        }

        void rateLimit(String path, dev.sluice.config.RateLimitSpec spec) {
            final dev.sluice.config.RateLimitSpec.Algorithm algorithm = spec.algorithm();
            if (spec.name() != null && !spec.name().matches("[A-Za-z0-9._-]+")) {
                problem(ConfigPath.key(path, "name"), "\"" + spec.name() + "\" may contain only letters, digits,"
                        + " '.', '_' and '-'");
            }
            if (algorithm == null) {
                problem(ConfigPath.key(path, "algorithm"), "is required (expected one of: token_bucket, leaky_bucket,"
                        + " fixed_window, sliding_window, sliding_log, concurrency)");
                return;
            }
            final boolean concurrency = algorithm == dev.sluice.config.RateLimitSpec.Algorithm.CONCURRENCY;
            if (concurrency) {
                if (spec.limit() == null) {
                    problem(ConfigPath.key(path, "limit"), "is required for concurrency (most requests in flight)");
                } else if (spec.limit() < 1) {
                    problem(ConfigPath.key(path, "limit"), spec.limit() + " (expected: >= 1)");
                }
                if (spec.rate() != null) {
                    problem(ConfigPath.key(path, "rate"), "does not apply to concurrency (use limit)");
                }
            } else {
                if (spec.rate() == null) {
                    problem(ConfigPath.key(path, "rate"), "is required for " + algorithm.configName()
                            + " (expected a rate like 100/s, 1000/m, 5000/h)");
                } else if (spec.rate().permits() < 1) {
                    problem(ConfigPath.key(path, "rate"), spec.rate().permits() + " permits (expected: >= 1)");
                }
                if (spec.limit() != null) {
                    problem(ConfigPath.key(path, "limit"), "applies only to concurrency (the rate sets the limit)");
                }
            }
            final boolean bucket = algorithm == dev.sluice.config.RateLimitSpec.Algorithm.TOKEN_BUCKET
                    || algorithm == dev.sluice.config.RateLimitSpec.Algorithm.LEAKY_BUCKET;
            if (spec.burst() != null && (!bucket || spec.burst() < 0)) {
                problem(ConfigPath.key(path, "burst"), bucket ? spec.burst() + " (expected: >= 0)"
                        : "applies only to token_bucket and leaky_bucket");
            }
            final boolean leaky = algorithm == dev.sluice.config.RateLimitSpec.Algorithm.LEAKY_BUCKET;
            if (!leaky && (spec.delay() != null || spec.nodelay())) {
                problem(ConfigPath.key(path, spec.nodelay() ? "nodelay" : "delay"), "applies only to leaky_bucket");
            }
            if (leaky && spec.delay() != null) {
                if (spec.nodelay()) {
                    problem(ConfigPath.key(path, "delay"), "cannot be combined with nodelay (nodelay means delay = burst)");
                } else if (spec.delay() < 0 || spec.delay() > (spec.burst() == null ? 0 : spec.burst())) {
                    problem(ConfigPath.key(path, "delay"), spec.delay() + " (expected: 0..burst)");
                }
            }
            for (int k = 0; k < spec.key().size(); k++) {
                final String part = spec.key().get(k);
                final boolean ok = part.equals("route") || part.equals("client_ip") || part.equals("consumer")
                        || (part.startsWith("header:") || part.startsWith("query:")) && part.indexOf(':') < part.length() - 1;
                if (!ok) {
                    problem(ConfigPath.index(ConfigPath.key(path, "key"), k), "\"" + part + "\" is not a key part"
                            + " (expected route, client_ip, consumer, header:<name> or query:<name>)");
                }
            }
            if (concurrency && spec.scope() == dev.sluice.config.RateLimitSpec.Scope.CLUSTER) {
                problem(ConfigPath.key(path, "scope"), "concurrency limits are local only (expected: local)");
            } else if (spec.scope() == dev.sluice.config.RateLimitSpec.Scope.CLUSTER && !clusterEnabled) {
                problem(ConfigPath.key(path, "scope"), "cluster needs cluster.redis to be configured");
            }
            if (spec.status() < 400 || spec.status() > 599) {
                problem(ConfigPath.key(path, "status"), spec.status() + " (expected: 400..599)");
            }
        }

        void problem(String path, String message) {
            problems.add(new ConfigProblem(path, message));
        }

        void server(ServerSpec server) {
            final String path = "server";
            listen(ConfigPath.key(path, "listen"), server.listen());
            if (server.workers() < 0 || server.workers() > MAX_WORKERS) {
                problem(ConfigPath.key(path, "workers"), server.workers() + " is out of range (expected 0.."
                        + MAX_WORKERS + "; 0 means one per processor)");
            }
            positive(ConfigPath.key(path, "max_request_line_length"), server.maxRequestLineLength());
            positive(ConfigPath.key(path, "max_header_size"), server.maxHeaderSize());
            positive(ConfigPath.key(path, "max_body_size"), server.maxBodySize());
            positive(ConfigPath.key(path, "request_header_timeout"), server.requestHeaderTimeout());
            positive(ConfigPath.key(path, "body_timeout"), server.bodyTimeout());
            positive(ConfigPath.key(path, "idle_timeout"), server.idleTimeout());
            positive(ConfigPath.key(path, "shutdown_timeout"), server.shutdownTimeout());
            final List<String> proxies = server.trustedProxies();
            for (int i = 0; i < proxies.size(); i++) {
                if (!Syntax.isAddressOrCidr(proxies.get(i))) {
                    problem(ConfigPath.index(ConfigPath.key(path, "trusted_proxies"), i), "\"" + proxies.get(i)
                            + "\" is not an IP address or CIDR (expected e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8)");
                }
            }
        }

        void listen(String path, String listen) {
            final String expected = " (expected host:port, e.g. 0.0.0.0:8080 or [::]:8080)";
            final int colon = listen.lastIndexOf(':');
            if (colon <= 0) {
                problem(path, "\"" + listen + "\" has no port" + expected);
                return;
            }
            final String host = listen.substring(0, colon);
            final String port = listen.substring(colon + 1);
            if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
                problem(path, "\"" + listen + "\": an IPv6 host must be in brackets" + expected);
            } else if (!Syntax.isHost(host)) {
                problem(path, "\"" + listen + "\" has an invalid host \"" + host + "\"" + expected);
            }
            if (Syntax.port(port) < 0) {
                problem(path, "\"" + listen + "\" has an invalid port \"" + port + "\" (expected 0..65535)");
            }
        }

        void upstream(String name, UpstreamSpec upstream) {
            final String path = ConfigPath.key("upstreams", name);
            if (!NAME.matcher(name).matches()) {
                problem(path, "upstream name \"" + name + "\" is invalid (expected letters, digits, '.', '_', '-')");
            }
            if (upstream == null) {
                problem(path, "is empty (expected a mapping with at least targets)");
                return;
            }
            final List<TargetSpec> targets = upstream.targets();
            if (targets.isEmpty()) {
                problem(ConfigPath.key(path, "targets"), "has no targets (expected at least one)");
            }
            final Set<String> seen = new HashSet<>();
            for (int i = 0; i < targets.size(); i++) {
                final String targetPath = ConfigPath.index(ConfigPath.key(path, "targets"), i);
                final TargetSpec target = targets.get(i);
                targetUrl(ConfigPath.key(targetPath, "url"), target.url());
                if (target.url() != null && !seen.add(target.url().toLowerCase(Locale.ROOT))) {
                    problem(ConfigPath.key(targetPath, "url"), "duplicate target \"" + target.url()
                            + "\" (use weight to give a target more traffic)");
                }
                if (target.weight() < 1 || target.weight() > MAX_WEIGHT) {
                    problem(ConfigPath.key(targetPath, "weight"), target.weight() + " is out of range (expected 1.."
                            + MAX_WEIGHT + ")");
                }
            }
            final HashOn hashOn = upstream.hashOn();
            if (upstream.balancer() == BalancerKind.CONSISTENT_HASH && hashOn == null) {
                problem(ConfigPath.key(path, "hash_on"), "is required when balancer is consistent_hash"
                        + " (expected header:<name>, cookie:<name>, client_ip or path)");
            }
            if (hashOn != null && (hashOn.source() == HashOn.Source.HEADER || hashOn.source() == HashOn.Source.COOKIE)
                    && !Syntax.isToken(hashOn.name())) {
                problem(ConfigPath.key(path, "hash_on"), "\"" + hashOn.name() + "\" is not a valid "
                        + (hashOn.source() == HashOn.Source.HEADER ? "header" : "cookie") + " name");
            }
            timeouts(ConfigPath.key(path, "timeouts"), upstream.timeouts());
            if (upstream.healthCheck() != null) {
                healthCheck(ConfigPath.key(path, "health_check"), upstream.healthCheck());
            }
            if (upstream.circuitBreaker() != null) {
                circuitBreaker(ConfigPath.key(path, "circuit_breaker"), upstream.circuitBreaker());
            }
            final String budgetPath = ConfigPath.key(path, "retry_budget");
            percent(ConfigPath.key(budgetPath, "percent"), upstream.retryBudget().percent());
            if (upstream.retryBudget().minConcurrency() < 0) {
                problem(ConfigPath.key(budgetPath, "min_concurrency"), upstream.retryBudget().minConcurrency()
                        + " (expected: >= 0)");
            }
            if (upstream.concurrency() != null) {
                concurrency(ConfigPath.key(path, "concurrency"), upstream.concurrency(), /* adaptiveAllowed= */ true);
            }
            final PoolSpec pool = upstream.pool();
            final String poolPath = ConfigPath.key(path, "pool");
            positive(ConfigPath.key(poolPath, "max_connections"), pool.maxConnections());
            positive(ConfigPath.key(poolPath, "max_pending"), pool.maxPending());
            positive(ConfigPath.key(poolPath, "idle_timeout"), pool.idleTimeout());
        }

        void targetUrl(String path, String url) {
            final String expected = " (expected http://host:port)";
            if (url == null || url.isEmpty()) {
                problem(path, "is required" + expected);
                return;
            }
            final String lower = url.toLowerCase(Locale.ROOT);
            if (lower.startsWith("https://")) {
                problem(path, "\"" + url + "\": https targets are not supported yet" + expected);
                return;
            }
            if (!lower.startsWith("http://")) {
                problem(path, "\"" + url + "\" is not an http URL" + expected);
                return;
            }
            final String authority = url.substring("http://".length());
            if (authority.indexOf('/') >= 0 || authority.indexOf('?') >= 0 || authority.indexOf('#') >= 0) {
                problem(path, "\"" + url + "\" must not have a path, query or fragment" + expected);
                return;
            }
            if (authority.indexOf('@') >= 0) {
                problem(path, "\"" + url + "\" must not contain user info" + expected);
                return;
            }
            final int colon = authority.lastIndexOf(':');
            if (colon < 0 || authority.endsWith("]")) {
                problem(path, "\"" + url + "\" has no port" + expected);
                return;
            }
            final String host = authority.substring(0, colon);
            if (!Syntax.isHost(host)) {
                problem(path, "\"" + url + "\" has an invalid host \"" + host + "\"" + expected);
            }
            final int port = Syntax.port(authority.substring(colon + 1));
            if (port < 1) {
                problem(path, "\"" + url + "\" has an invalid port \"" + authority.substring(colon + 1)
                        + "\" (expected 1..65535)");
            }
        }

        void route(String path, RouteSpec route, Map<String, UpstreamSpec> upstreams,
                Map<String, Integer> firstIndexById, int index) {
            final String idPath = ConfigPath.key(path, "id");
            final String id = route.id();
            if (id == null || id.isEmpty()) {
                problem(idPath, "must not be empty");
            } else if (!NAME.matcher(id).matches()) {
                problem(idPath, "\"" + id + "\" is invalid (expected letters, digits, '.', '_', '-')");
            } else {
                final Integer first = firstIndexById.putIfAbsent(id, index);
                if (first != null) {
                    problem(idPath, "duplicate id \"" + id + "\" (already used by routes[" + first + "])");
                }
            }
            final boolean proxies = route.upstream() != null;
            final boolean answers = route.staticResponse() != null;
            if (proxies == answers) {
                problem(path, proxies ? "has both upstream and static_response (expected exactly one)"
                        : "has neither upstream nor static_response (expected exactly one)");
            }
            if (proxies && !upstreams.containsKey(route.upstream())) {
                final String defined = upstreams.isEmpty() ? "<none defined>" : String.join(", ", upstreams.keySet());
                problem(ConfigPath.key(path, "upstream"), "unknown upstream \"" + route.upstream()
                        + "\" (expected one of: " + defined + ")");
            }
            if (answers) {
                staticResponse(ConfigPath.key(path, "static_response"), route.staticResponse());
            }
            match(ConfigPath.key(path, "match"), route.match());
            if (route.stripPrefix() && route.match().pathPrefix() == null) {
                problem(ConfigPath.key(path, "strip_prefix"), "requires match.path_prefix");
            }
            if (route.rewrite() != null && !route.rewrite().startsWith("/")) {
                problem(ConfigPath.key(path, "rewrite"), "\"" + route.rewrite() + "\" must start with \"/\"");
            }
            if (route.hostRewrite() != null) {
                hostWithOptionalPort(ConfigPath.key(path, "host_rewrite"), route.hostRewrite());
            }
            headerRules(ConfigPath.key(path, "request_headers"), route.requestHeaders());
            headerRules(ConfigPath.key(path, "response_headers"), route.responseHeaders());
            if (route.maxBodySize() != null) {
                positive(ConfigPath.key(path, "max_body_size"), route.maxBodySize());
            }
            timeouts(ConfigPath.key(path, "timeouts"), route.timeouts());
            if (route.retry() != null) {
                retry(ConfigPath.key(path, "retry"), route.retry());
            }
            if (route.circuitBreaker() != null) {
                circuitBreaker(ConfigPath.key(path, "circuit_breaker"), route.circuitBreaker());
            }
            if (route.fallback() != null) {
                fallback(ConfigPath.key(path, "fallback"), route.fallback(), upstreams);
            }
            if (route.concurrency() != null) {
                concurrency(ConfigPath.key(path, "concurrency"), route.concurrency(), /* adaptiveAllowed= */ false);
            }
            if (!proxies && (route.retry() != null || route.circuitBreaker() != null || route.fallback() != null
                    || route.concurrency() != null)) {
                problem(path, "retry, circuit_breaker, fallback and concurrency apply only to routes with an upstream");
            }
            policies(ConfigPath.key(path, "policies"), route.policies());
        }

        void timeouts(String path, TimeoutsSpec timeouts) {
            positiveIfSet(ConfigPath.key(path, "connect"), timeouts.connect());
            positiveIfSet(ConfigPath.key(path, "per_try"), timeouts.perTry());
            positiveIfSet(ConfigPath.key(path, "total"), timeouts.total());
        }

        void retry(String path, RetrySpec retry) {
            if (retry.attempts() < 1 || retry.attempts() > MAX_ATTEMPTS) {
                problem(ConfigPath.key(path, "attempts"), retry.attempts() + " is out of range (expected 1.."
                        + MAX_ATTEMPTS + ", the first try included)");
            }
            outcomes(ConfigPath.key(path, "on"), retry.on());
            final RetrySpec.BackoffSpec backoff = retry.backoff();
            positive(ConfigPath.key(ConfigPath.key(path, "backoff"), "base"), backoff.base());
            positive(ConfigPath.key(ConfigPath.key(path, "backoff"), "max"), backoff.max());
            if (backoff.max().compareTo(backoff.base()) < 0) {
                problem(ConfigPath.key(ConfigPath.key(path, "backoff"), "max"), backoff.max() + " is below base "
                        + backoff.base() + " (expected max >= base)");
            }
            if (retry.buffer().bytes() < 0) {
                problem(ConfigPath.key(path, "buffer"), retry.buffer() + " is negative (expected a size like 64kb)");
            }
        }

        void circuitBreaker(String path, CircuitBreakerSpec breaker) {
            final BreakerWindow window = breaker.window();
            if (window.isTimeBased()) {
                positive(ConfigPath.key(path, "window"), window.duration());
            } else if (window.calls() < 1 || window.calls() > MAX_WINDOW_CALLS) {
                problem(ConfigPath.key(path, "window"), window.calls() + " calls is out of range (expected 1.."
                        + MAX_WINDOW_CALLS + ", or a duration like 10s)");
            }
            if (breaker.minimumCalls() < 1) {
                problem(ConfigPath.key(path, "minimum_calls"), breaker.minimumCalls() + " (expected: >= 1)");
            } else if (!window.isTimeBased() && window.calls() >= 1 && breaker.minimumCalls() > window.calls()) {
                problem(ConfigPath.key(path, "minimum_calls"), breaker.minimumCalls() + " is more than the window of "
                        + window.calls() + " calls (the breaker could never trip)");
            }
            positivePercent(ConfigPath.key(path, "failure_rate"), breaker.failureRate());
            positivePercent(ConfigPath.key(path, "slow_call_rate"), breaker.slowCallRate());
            positiveIfSet(ConfigPath.key(path, "slow_call"), breaker.slowCall());
            positive(ConfigPath.key(path, "open_for"), breaker.openFor());
            if (breaker.trialCalls() < 1) {
                problem(ConfigPath.key(path, "trial_calls"), breaker.trialCalls() + " (expected: >= 1)");
            }
            outcomes(ConfigPath.key(path, "failure_on"), breaker.failureOn());
        }

        void fallback(String path, FallbackSpec fallback, Map<String, UpstreamSpec> upstreams) {
            if ((fallback.staticResponse() == null) == (fallback.upstream() == null)) {
                problem(path, "needs exactly one of static_response and upstream");
            }
            if (fallback.staticResponse() != null) {
                staticResponse(ConfigPath.key(path, "static_response"), fallback.staticResponse());
            }
            if (fallback.upstream() != null && !upstreams.containsKey(fallback.upstream())) {
                problem(ConfigPath.key(path, "upstream"), "unknown upstream \"" + fallback.upstream() + "\"");
            }
            statuses(ConfigPath.key(path, "on_status"), fallback.onStatus());
        }

        void healthCheck(String path, HealthCheckSpec health) {
            if (health.active() == null && health.passive() == null) {
                problem(path, "sets neither active nor passive (expected at least one)");
            }
            percent(ConfigPath.key(path, "panic_threshold"), health.panicThreshold());
            final HealthCheckSpec.Active active = health.active();
            if (active != null) {
                final String at = ConfigPath.key(path, "active");
                if (active.path() == null) {
                    problem(ConfigPath.key(at, "path"), "is required (the probe path, e.g. /health)");
                } else if (!active.path().startsWith("/") || !Syntax.isFieldValue(active.path())
                        || active.path().indexOf(' ') >= 0) {
                    problem(ConfigPath.key(at, "path"), "\"" + active.path() + "\" is not a request path (expected"
                            + " e.g. /health)");
                }
                positive(ConfigPath.key(at, "interval"), active.interval());
                positive(ConfigPath.key(at, "timeout"), active.timeout());
                statuses(ConfigPath.key(at, "expected_statuses"), active.expectedStatuses());
                if (active.expectedStatuses().isEmpty()) {
                    problem(ConfigPath.key(at, "expected_statuses"), "is empty (expected e.g. [200-399])");
                }
                positive(ConfigPath.key(at, "healthy_threshold"), active.healthyThreshold());
                positive(ConfigPath.key(at, "unhealthy_threshold"), active.unhealthyThreshold());
                if (active.host() != null) {
                    hostWithOptionalPort(ConfigPath.key(at, "host"), active.host());
                }
            }
            final HealthCheckSpec.Passive passive = health.passive();
            if (passive != null) {
                final String at = ConfigPath.key(path, "passive");
                positive(ConfigPath.key(at, "consecutive_failures"), passive.consecutiveFailures());
                if (passive.failureRate() != null) {
                    positivePercent(ConfigPath.key(at, "failure_rate"), passive.failureRate());
                }
                positive(ConfigPath.key(at, "minimum_requests"), passive.minimumRequests());
                positive(ConfigPath.key(at, "interval"), passive.interval());
                positive(ConfigPath.key(at, "base_ejection_time"), passive.baseEjectionTime());
                positive(ConfigPath.key(at, "max_ejection_time"), passive.maxEjectionTime());
                if (passive.maxEjectionTime().compareTo(passive.baseEjectionTime()) < 0) {
                    problem(ConfigPath.key(at, "max_ejection_time"), passive.maxEjectionTime() + " is below"
                            + " base_ejection_time " + passive.baseEjectionTime());
                }
                percent(ConfigPath.key(at, "max_ejection_percent"), passive.maxEjectionPercent());
                outcomes(ConfigPath.key(at, "failure_on"), passive.failureOn());
            }
        }

        void concurrency(String path, ConcurrencySpec concurrency, boolean adaptiveAllowed) {
            if (concurrency.max() < 1) {
                problem(ConfigPath.key(path, "max"), concurrency.max() == 0 ? "is required (most requests in flight)"
                        : concurrency.max() + " (expected: >= 1)");
            }
            if (concurrency.queue() < 0) {
                problem(ConfigPath.key(path, "queue"), concurrency.queue() + " (expected: >= 0)");
            }
            positive(ConfigPath.key(path, "queue_timeout"), concurrency.queueTimeout());
            final ConcurrencySpec.Adaptive adaptive = concurrency.adaptive();
            if (adaptive != null && !adaptiveAllowed) {
                problem(ConfigPath.key(path, "adaptive"), "applies only to upstreams (a route's cap is fixed)");
            } else if (adaptive != null) {
                final String at = ConfigPath.key(path, "adaptive");
                final int max = Math.max(1, concurrency.max());
                final int min = adaptive.minFor(max);
                final int initial = adaptive.initialFor(max);
                if (min < 1 || min > max) {
                    problem(ConfigPath.key(at, "min"), min + " (expected: 1.." + max + ", the max)");
                } else if (initial < min || initial > max) {
                    problem(ConfigPath.key(at, "initial"), initial + " (expected: " + min + ".." + max + ")");
                }
                if (!(adaptive.tolerance() >= 1.0) || adaptive.tolerance() > 100) {
                    problem(ConfigPath.key(at, "tolerance"), adaptive.tolerance() + " (expected: 1.0..100)");
                }
            }
        }

        void outcomes(String path, List<String> tokens) {
            for (int i = 0; i < tokens.size(); i++) {
                final String problem = OutcomeSet.check(tokens.get(i));
                if (problem != null) {
                    problem(ConfigPath.index(path, i), problem);
                }
            }
        }

        void statuses(String path, List<String> tokens) {
            for (int i = 0; i < tokens.size(); i++) {
                try {
                    StatusSet.parse(tokens.get(i));
                } catch (IllegalArgumentException e) {
                    problem(ConfigPath.index(path, i), e.getMessage());
                }
            }
        }

        void percent(String path, Percent value) {
            if (value.fraction() < 0 || value.fraction() > 1) {
                problem(path, value + " is out of range (expected 0%..100%)");
            }
        }

        void positivePercent(String path, Percent value) {
            if (value.fraction() <= 0 || value.fraction() > 1) {
                problem(path, value + " is out of range (expected more than 0% and at most 100%)");
            }
        }

        void positiveIfSet(String path, Duration value) {
            if (value != null) {
                positive(path, value);
            }
        }

        void staticResponse(String path, StaticResponseSpec response) {
            final int status = response.status();
            if (status < 100 || status > 599) {
                problem(ConfigPath.key(path, "status"), status + " is not an HTTP status (expected 200..599)");
            } else if (status < 200) {
                // A 1xx is interim (RFC 9110 section 15.2): the client would keep waiting for a final response.
                problem(ConfigPath.key(path, "status"), status + " is informational and cannot be a complete"
                        + " response (expected 200..599)");
            } else if ((status == 204 || status == 304) && !response.body().isEmpty()) {
                // RFC 9110 sections 15.3.5 and 15.4.5: these responses end at the header section.
                problem(ConfigPath.key(path, "body"), "must be empty for status " + status);
            }
            headerMap(ConfigPath.key(path, "headers"), response.headers(), /* checkValues= */ true);
        }

        void match(String path, MatchSpec match) {
            int pathKinds = 0;
            pathKinds += match.path() != null ? 1 : 0;
            pathKinds += match.pathPrefix() != null ? 1 : 0;
            pathKinds += match.pathRegex() != null ? 1 : 0;
            if (pathKinds > 1) {
                problem(path, "sets more than one of path, path_prefix, path_regex (expected at most one)");
            }
            startsWithSlash(ConfigPath.key(path, "path"), match.path());
            startsWithSlash(ConfigPath.key(path, "path_prefix"), match.pathPrefix());
            if (match.pathRegex() != null && match.pathRegex().isEmpty()) {
                problem(ConfigPath.key(path, "path_regex"), "must not be empty");
            }
            final List<String> hosts = match.hosts();
            for (int i = 0; i < hosts.size(); i++) {
                final String host = hosts.get(i);
                final boolean wildcard = host.startsWith("*.");
                final String name = wildcard ? host.substring(2) : host;
                if (!Syntax.isHost(name) || wildcard && !Syntax.isHostName(name)) {
                    problem(ConfigPath.index(ConfigPath.key(path, "hosts"), i), "\"" + host
                            + "\" is not a host name (expected e.g. api.example.com or *.example.com, no port)");
                }
            }
            final List<String> methods = match.methods();
            for (int i = 0; i < methods.size(); i++) {
                if (!Syntax.isToken(methods.get(i))) {
                    problem(ConfigPath.index(ConfigPath.key(path, "methods"), i), "\"" + methods.get(i)
                            + "\" is not a valid method (expected a token such as GET or POST)");
                }
            }
            headerMap(ConfigPath.key(path, "headers"), match.headers(), /* checkValues= */ false);
            for (final String name : match.query().keySet()) {
                if (name.isEmpty()) {
                    problem(ConfigPath.key(path, "query"), "has an empty parameter name");
                }
            }
        }

        void headerRules(String path, HeaderRulesSpec rules) {
            headerMap(ConfigPath.key(path, "add"), rules.add(), /* checkValues= */ true);
            headerMap(ConfigPath.key(path, "set"), rules.set(), /* checkValues= */ true);
            final List<String> remove = rules.remove();
            for (int i = 0; i < remove.size(); i++) {
                if (!Syntax.isToken(remove.get(i))) {
                    problem(ConfigPath.index(ConfigPath.key(path, "remove"), i), "\"" + remove.get(i)
                            + "\" is not a valid header name");
                }
            }
        }

        void headerMap(String path, Map<String, String> headers, boolean checkValues) {
            headers.forEach((name, value) -> {
                final String entryPath = ConfigPath.key(path, name);
                if (!Syntax.isToken(name)) {
                    problem(entryPath, "\"" + name + "\" is not a valid header name");
                }
                if (value == null) {
                    problem(entryPath, "has no value (write \"\" for an empty value)");
                } else if (checkValues && !Syntax.isFieldValue(value)) {
                    // CR/LF in a value would let configuration smuggle extra headers (response splitting).
                    problem(entryPath, "value must not contain CR, LF or NUL");
                }
            });
        }

        void hostWithOptionalPort(String path, String value) {
            final int colon = value.lastIndexOf(':');
            final boolean hasPort = colon > 0 && !value.endsWith("]");
            final String host = hasPort ? value.substring(0, colon) : value;
            if (!Syntax.isHost(host) || hasPort && Syntax.port(value.substring(colon + 1)) < 1) {
                problem(path, "\"" + value + "\" is not a host (expected host or host:port)");
            }
        }

        void startsWithSlash(String path, String value) {
            if (value != null && !value.startsWith("/")) {
                problem(path, "\"" + value + "\" must start with \"/\"");
            }
        }

        void positive(String path, int value) {
            if (value <= 0) {
                problem(path, value + " is not positive (expected > 0)");
            }
        }

        void positive(String path, DataSize value) {
            if (value.bytes() <= 0) {
                problem(path, value + " is not positive (expected a size like 64kb)");
            }
        }

        void positive(String path, Duration value) {
            if (value.isNegative() || value.isZero()) {
                problem(path, (value.isZero() ? "0s" : value.toString())
                        + " is not positive (expected a duration like 250ms, 5s, 1m)");
            }
        }
    }
}
