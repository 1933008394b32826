package dev.sluice.routing;

import static dev.sluice.routing.Routes.headers;
import static dev.sluice.routing.Routes.hosts;
import static dev.sluice.routing.Routes.methods;
import static dev.sluice.routing.Routes.path;
import static dev.sluice.routing.Routes.prefix;
import static dev.sluice.routing.Routes.regex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks the "a miss allocates nothing" contract with the JVM's per-thread allocation counter. */
class RouterAllocationTest {

    @Test
    void match_miss_allocatesNothing() {
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "allocation counter supported");
        threads.setThreadAllocatedMemoryEnabled(true);
        final Routes routes = new Routes();
        for (int i = 0; i < 200; i++) {
            routes.add("r" + i, hosts(path("/api/v1/svc" + i + "/users/{id}"), "api.example.com"));
            routes.add("w" + i, hosts(prefix("/w" + i), "*.example.com"));
        }
        routes.add("post-only", methods(path("/api/v1/svc0/users/{id}"), "POST"));
        routes.add("header", headers(path("/h"), Map.of("x-env", "~prod|stage")));
        routes.add("regex", regex("/re/[0-9]+"));
        final Router<String> router = routes.compile();
        final TestRequest[] misses = {
            TestRequest.get("api.example.com", "/api/v1/svc7/users"),
            TestRequest.get("other.org", "/api/v1/svc0/users/9"),
            TestRequest.get("x.y.example.com", "/nothing/here"),
            TestRequest.get("other.org", "/h").withHeader("x-env", "dev"),
            TestRequest.get("other.org", "/re/x1"),
        };
        final long tid = Thread.currentThread().getId();
        // Warm up so that JIT compilation, class loading and thread-local matchers are out of the measurement.
        for (int i = 0; i < 20_000; i++) {
            assertThat(router.match(misses[i % misses.length])).isNull();
        }
        final long before = threads.getThreadAllocatedBytes(tid);
        int hits = 0;
        for (int i = 0; i < 100_000; i++) {
            if (router.match(misses[i % misses.length]) != null) {
                hits++;
            }
        }
        final long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(hits).isZero();
        // 100k misses allocating even one object each would be > 1.6 MB; allow a little for the counter itself.
        assertThat(allocated).isLessThan(4096);
    }
}
