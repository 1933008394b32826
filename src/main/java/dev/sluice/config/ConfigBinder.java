package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.util.ClassUtil;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sluice.config.validate.ConfigPath;
import dev.sluice.config.validate.ConfigProblem;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Binds an interpolated YAML tree to {@link GatewayConfig} with Jackson and collects every binding problem by path.
 *
 * <p>Algorithm: Jackson's {@link DeserializationProblemHandler} is told about unknown keys, unparsable scalars and
 * wrong shapes and may substitute a value and continue, so one pass reports all of those. The handler computes the
 * path by walking the parser's {@link JsonStreamContext} chain rather than using {@code pathAsPointer()}: the context
 * knows whether a segment is a list index or a mapping key (a JSON pointer {@code /upstreams/1} does not), and our
 * own rendering quotes keys such as {@code users.v2}. The few failures Jackson raises without asking the handler
 * (coercion refusals, a constructor throwing) end the pass with an exception that carries its path; that node is
 * recorded, pruned from the tree and binding is retried, bounded by {@link #MAX_PASSES}.
 *
 * <p>Threading: the mapper is immutable after construction and shared; each {@link #bind} uses its own handler.
 */
final class ConfigBinder {
    /** Each pass removes at least one node, so this bounds work on a hostile document with many bad nodes. */
    static final int MAX_PASSES = 64;

    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
    private static final ObjectMapper MAPPER = newMapper();

    private ConfigBinder() {
    }

    /** The YAML mapper configured for configuration binding; also used to parse text into a tree. */
    static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Binds {@code tree}; returns the config (possibly partial, with defaults where values were bad) or {@code null}
     * when binding could not produce one. Problems are appended to {@code problems}.
     */
    static GatewayConfig bind(JsonNode tree, List<ConfigProblem> problems) {
        final Set<ConfigProblem> found = new LinkedHashSet<>();
        GatewayConfig config = null;
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            final Recorder recorder = new Recorder();
            try {
                config = MAPPER.readerFor(GatewayConfig.class).withHandler(recorder).readValue(tree);
                found.addAll(recorder.problems);
                break;
            } catch (JsonMappingException e) {
                found.addAll(recorder.problems);
                final String path = pathOf(e);
                found.add(new ConfigProblem(path, messageOf(e)));
                if (path.isEmpty() || !prune(tree, e.getPath())) {
                    break;
                }
            } catch (IOException | RuntimeException e) {
                // Not expected from a tree source; reported rather than thrown because parse() promises no throws.
                found.addAll(recorder.problems);
                found.add(new ConfigProblem("", "cannot bind configuration: " + e));
                break;
            }
        }
        problems.addAll(found);
        return config;
    }

    private static ObjectMapper newMapper() {
        final SimpleModule scalars = new SimpleModule("sluice-config-scalars")
                .addDeserializer(Duration.class, new ScalarDeserializer<>(Duration.class, ConfigScalars::parseDuration,
                        n -> {
                            throw new IllegalArgumentException(n + " has no unit (" + ConfigScalars.DURATION_HINT
                                    + ")");
                        }))
                .addDeserializer(DataSize.class, new ScalarDeserializer<>(DataSize.class, DataSize::parse,
                        n -> n.signum() < 0 || n.bitLength() > 63
                                ? DataSize.parse(n.toString()) : DataSize.ofBytes(n.longValue())))
                .addDeserializer(Rate.class, new ScalarDeserializer<>(Rate.class, Rate::parse,
                        n -> Rate.parse(n.toString())))
                .addDeserializer(BalancerKind.class, new ScalarDeserializer<>(BalancerKind.class,
                        BalancerKind::fromConfigName, n -> BalancerKind.fromConfigName(n.toString())))
                .addDeserializer(HashOn.class, new ScalarDeserializer<>(HashOn.class, HashOn::parse,
                        n -> HashOn.parse(n.toString())))
                .addDeserializer(Percent.class, new ScalarDeserializer<>(Percent.class, Percent::parse,
                        n -> Percent.parse(n.toString())))
                .addDeserializer(BreakerWindow.class, new ScalarDeserializer<>(BreakerWindow.class,
                        BreakerWindow::parse, n -> BreakerWindow.parse(n.toString())));
        final YAMLMapper mapper = YAMLMapper.builder(YAMLFactory.builder().build())
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // `hosts: api.example.com` is the natural spelling of a one-element list.
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                // `workers: 1.5` must be an error, not silently 1.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.AUTO_DETECT_FIELDS)
                .addModule(scalars)
                .build();
        // Null list elements are reported by Interpolator; skipping them here keeps List.copyOf from throwing.
        mapper.configOverride(List.class).setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.SKIP));
        // `workers: ""` (e.g. from an empty variable) must not quietly become 0.
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        return mapper;
    }

    private static String pathOf(JsonMappingException e) {
        String path = "";
        for (final JsonMappingException.Reference ref : e.getPath()) {
            path = ref.getFieldName() != null ? ConfigPath.key(path, ref.getFieldName())
                    : ConfigPath.index(path, ref.getIndex());
        }
        return path;
    }

    private static String messageOf(JsonMappingException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.InvalidTypeIdException) {
            final String id = ((com.fasterxml.jackson.databind.exc.InvalidTypeIdException) e).getTypeId();
            return id == null ? "expected a one-key mapping naming the policy, like rate_limit: {...}"
                    : "unknown policy \"" + id + "\" (expected one of: " + PolicySpec.TYPES + ")";
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null && e.getCause().getMessage() != null) {
            return e.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException) {
            final InvalidFormatException format = (InvalidFormatException) e;
            final Object value = format.getValue();
            final String shown = value instanceof String ? "\"" + value + "\""
                    : value instanceof Number || value instanceof Boolean ? String.valueOf(value) : "this value";
            final String expected = expectation(format.getTargetType());
            if ("".equals(value) && !expected.equals("an integer")) {
                return "is empty (expected " + expected + ")";
            }
            return expected.equals("an integer") ? shown + " is not an integer"
                    : shown + " is not valid (expected " + expected + ")";
        }
        if (e.getCause() instanceof InputCoercionException) {
            // Jackson's message is "Numeric value (N) out of range of int (...)"; keep the number, drop the rest.
            final String original = ((InputCoercionException) e.getCause()).getOriginalMessage();
            final int open = original.indexOf('(');
            final int close = original.indexOf(')', open + 1);
            final String number = open >= 0 && close > open ? original.substring(open + 1, close) : "value";
            return number + " is out of range (expected at most " + Integer.MAX_VALUE + ")";
        }
        final String original = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
        // Jackson appends type hints for programmers; operators need the first sentence only.
        final int cut = original.indexOf(" (for ");
        return (cut > 0 ? original.substring(0, cut) : original).replace('`', '"');
    }

    /** Removes the node at {@code path} from {@code tree}; returns false when nothing was removed. */
    private static boolean prune(JsonNode tree, List<JsonMappingException.Reference> path) {
        JsonNode parent = tree;
        for (int i = 0; i < path.size() - 1; i++) {
            final JsonMappingException.Reference ref = path.get(i);
            parent = ref.getFieldName() != null ? parent.get(ref.getFieldName()) : parent.get(ref.getIndex());
            if (parent == null) {
                return false;
            }
        }
        final JsonMappingException.Reference last = path.get(path.size() - 1);
        if (parent instanceof ObjectNode && last.getFieldName() != null) {
            return ((ObjectNode) parent).remove(last.getFieldName()) != null;
        }
        if (parent instanceof ArrayNode && last.getIndex() >= 0 && last.getIndex() < parent.size()
                && !parent.get(last.getIndex()).isNull()) {
            // Null instead of removal keeps later indexes stable; null elements are skipped during binding.
            ((ArrayNode) parent).set(last.getIndex(), NullNode.getInstance());
            return true;
        }
        return false;
    }

    /**
     * The path of an unknown key. Depending on the value's token the parser may or may not have entered the value's
     * container yet, so the mapping context that holds {@code key} is searched for rather than assumed.
     */
    static String unknownKeyPath(JsonParser p, String key) {
        for (JsonStreamContext c = p.getParsingContext(); c != null; c = c.getParent()) {
            if (c.inObject() && key.equals(c.getCurrentName())) {
                return pathOf(c);
            }
        }
        return ConfigPath.key(pathOf(p), key);
    }

    /** The path of the value the parser is on, from its context chain. */
    static String pathOf(JsonParser p) {
        JsonStreamContext context = p.getParsingContext();
        final JsonToken token = p.currentToken();
        // On START_OBJECT/START_ARRAY the parser has already entered the new container; its path is the parent's.
        if ((token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) && context.getParent() != null) {
            context = context.getParent();
        }
        return pathOf(context);
    }

    private static String pathOf(JsonStreamContext context) {
        final Deque<JsonStreamContext> chain = new ArrayDeque<>();
        // The top-most context is the document root. It is skipped even when it does not say inRoot(): a parser
        // replaying buffered tokens reports its root as an array with a running index.
        for (JsonStreamContext c = context; c != null && c.getParent() != null && !c.inRoot(); c = c.getParent()) {
            chain.push(c);
        }
        String path = "";
        for (final JsonStreamContext c : chain) {
            if (c.inArray()) {
                path = ConfigPath.index(path, Math.max(c.getCurrentIndex(), 0));
            } else if (c.getCurrentName() != null) {
                path = ConfigPath.key(path, c.getCurrentName());
            }
        }
        return path;
    }

    private static String describe(JsonToken token, JsonParser p) {
        if (token == null) {
            return "nothing";
        }
        switch (token) {
            case START_OBJECT:
                return "a mapping";
            case START_ARRAY:
                return "a list";
            case VALUE_NULL:
                return "an empty value";
            case VALUE_STRING:
                return quotedText(p);
            default:
                try {
                    return p.getText();
                } catch (IOException e) {
                    return token.asString();
                }
        }
    }

    private static String quotedText(JsonParser p) {
        try {
            return "\"" + p.getText() + "\"";
        } catch (IOException e) {
            return "a string";
        }
    }

    /** What an operator should have written for a target type, for "expected ..." messages. */
    /** The configuration spellings of an enum: the {@code @JsonProperty} names, else the lower-case names. */
    private static String enumNames(Class<?> type) {
        final List<String> names = new java.util.ArrayList<>();
        for (Object constant : type.getEnumConstants()) {
            final String name = ((Enum<?>) constant).name();
            String spelled = name.toLowerCase(java.util.Locale.ROOT);
            try {
                final com.fasterxml.jackson.annotation.JsonProperty p = type.getField(name)
                        .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                if (p != null) {
                    spelled = p.value();
                }
            } catch (NoSuchFieldException e) {
                // an enum constant is always a field; keep the lower-case name
            }
            names.add(spelled);
        }
        return String.join(", ", names);
    }

    static String expectation(Class<?> type) {
        if (type == null) {
            return "a different value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Duration.class) {
            return "a duration like 250ms, 5s, 1m";
        }
        if (type == DataSize.class) {
            return "a size like 512, 64kb, 10mb, 1gb";
        }
        if (type == Rate.class) {
            return "a rate like 100/s, 1000/m, 5000/h";
        }
        if (type == BalancerKind.class) {
            return "one of: " + BalancerKind.allowedNames();
        }
        if (type == HashOn.class) {
            return "header:<name>, cookie:<name>, client_ip or path";
        }
        if (type == Percent.class) {
            return "a percentage like 50%";
        }
        if (type == BreakerWindow.class) {
            return "a number of calls like 20 or a duration like 10s";
        }
        if (type.isEnum()) {
            return "one of: " + enumNames(type);
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "a mapping";
    }

    /**
     * The allowed keys in declaration order (how the docs and records list them), which reads far better than
     * Jackson's hash order; keys Jackson knows but the record does not declare are appended sorted.
     */
    static List<String> orderedKeys(Class<?> type, Collection<Object> known) {
        final Set<String> remaining = new java.util.TreeSet<>();
        known.forEach(k -> remaining.add(String.valueOf(k)));
        final List<String> ordered = new ArrayList<>();
        if (type != null && type.isRecord()) {
            for (final java.lang.reflect.RecordComponent component : type.getRecordComponents()) {
                final String key = SNAKE_CASE.translate(component.getName());
                if (remaining.remove(key)) {
                    ordered.add(key);
                }
            }
        }
        ordered.addAll(remaining);
        return ordered;
    }

    private static Object fallback(Class<?> type) {
        // Primitives need a boxed zero: Jackson unboxes the handler's answer, and null would throw.
        return type.isPrimitive() ? ClassUtil.defaultValue(type) : null;
    }

    /** Records binding problems and lets Jackson continue with a placeholder value. */
    private static final class Recorder extends DeserializationProblemHandler {
        final List<ConfigProblem> problems = new ArrayList<>();

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p,
                JsonDeserializer<?> deserializer, Object beanOrClass, String propertyName) throws IOException {
            // Keys of the document root have no parent path, whatever context the parser reports (see pathOf).
            final boolean root = beanOrClass == GatewayConfig.class || beanOrClass instanceof GatewayConfig;
            final String path = root ? ConfigPath.key("", propertyName) : unknownKeyPath(p, propertyName);
            final Collection<Object> known = deserializer == null ? null : deserializer.getKnownPropertyNames();
            final Class<?> type = beanOrClass instanceof Class ? (Class<?>) beanOrClass
                    : beanOrClass == null ? null : beanOrClass.getClass();
            final String expected = known == null || known.isEmpty() ? ""
                    : " (expected one of: " + String.join(", ", orderedKeys(type, known)) + ")";
            problems.add(new ConfigProblem(path, "unknown key" + expected));
            p.skipChildren();
            return true;
        }

        @Override
        public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String valueToConvert,
                String failureMsg) {
            final String path = pathOf(ctxt.getParser());
            if (isOwnScalar(targetType)) {
                problems.add(new ConfigProblem(path, failureMsg));
            } else if (targetType == int.class || targetType == Integer.class || targetType == long.class
                    || targetType == Long.class) {
                problems.add(new ConfigProblem(path, "\"" + valueToConvert + "\" is not an integer"));
            } else if (valueToConvert.isEmpty()) {
                problems.add(new ConfigProblem(path, "is empty (expected " + expectation(targetType) + ")"));
            } else {
                problems.add(new ConfigProblem(path, "\"" + valueToConvert + "\" is not valid (expected "
                        + expectation(targetType) + ")"));
            }
            return fallback(targetType);
        }

        @Override
        public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number valueToConvert,
                String failureMsg) {
            final String path = pathOf(ctxt.getParser());
            problems.add(new ConfigProblem(path, isOwnScalar(targetType) ? failureMsg
                    : valueToConvert + " is not valid (expected " + expectation(targetType) + ")"));
            return fallback(targetType);
        }

        @Override
        public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken t,
                JsonParser p, String failureMsg) throws IOException {
            final Class<?> raw = targetType.getRawClass();
            problems.add(new ConfigProblem(pathOf(p), "expected " + expectation(raw) + ", got " + describe(t, p)));
            p.skipChildren();
            return fallback(raw);
        }

        @Override
        public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass,
                ValueInstantiator valueInsts, JsonParser p, String msg) throws IOException {
            problems.add(new ConfigProblem(pathOf(p), "expected " + expectation(instClass) + ", got "
                    + describe(p.currentToken(), p)));
            p.skipChildren();
            return fallback(instClass);
        }

        private static boolean isOwnScalar(Class<?> type) {
            return type == Duration.class || type == DataSize.class || type == Rate.class
                    || type == BalancerKind.class || type == HashOn.class;
        }
    }

    /**
     * Reads one of our scalar types from a string (or a number) and reports a parse failure through the problem
     * handler, so the binder records it at the right path and continues.
     */
    private static final class ScalarDeserializer<T> extends StdScalarDeserializer<T> {
        private final Class<T> type;
        private final Function<String, T> fromText;
        private final Function<java.math.BigInteger, T> fromInteger;

        ScalarDeserializer(Class<T> type, Function<String, T> fromText, Function<java.math.BigInteger, T> fromInteger) {
            super(type);
            this.type = type;
            this.fromText = fromText;
            this.fromInteger = fromInteger;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            final JsonToken token = p.currentToken();
            if (token == JsonToken.VALUE_STRING) {
                final String text = p.getText();
                try {
                    return fromText.apply(text);
                } catch (IllegalArgumentException e) {
                    return type.cast(ctxt.handleWeirdStringValue(type, text, e.getMessage()));
                }
            }
            if (token == JsonToken.VALUE_NUMBER_INT) {
                final java.math.BigInteger number = p.getBigIntegerValue();
                try {
                    return fromInteger.apply(number);
                } catch (IllegalArgumentException e) {
                    return type.cast(ctxt.handleWeirdNumberValue(type, number, e.getMessage()));
                }
            }
            if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                // 1.5 is never valid on its own for these types; route it through the text parser for its message.
                final String text = p.getText();
                try {
                    return fromText.apply(text);
                } catch (IllegalArgumentException e) {
                    return type.cast(ctxt.handleWeirdNumberValue(type, p.getNumberValue(), e.getMessage()));
                }
            }
            return type.cast(ctxt.handleUnexpectedToken(type, p));
        }
    }
}
