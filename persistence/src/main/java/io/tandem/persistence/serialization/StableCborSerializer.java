package io.tandem.persistence.serialization;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.serialization.jackson.JacksonSerializer;

/**
 * Pekko's {@code jackson-cbor} serializer with stable manifests: the bytes are exactly Pekko's (it
 * is Pekko's {@link JacksonSerializer} with the object mapper {@link JacksonObjectMapperProvider}
 * gives the {@code jackson-cbor} binding, as Pekko's own {@code JacksonCborSerializer} is, so
 * modules, compression, migrations and allow-lists all still apply); only the manifest changes.
 * Being a {@link JacksonSerializer} also keeps Pekko's check that a class is bound to a Jackson
 * serializer before it is read. {@code serialization.conf} puts this class in place of the {@code
 * jackson-cbor} entry, so the serializer id stays 33: rows already in the journal and nodes of an
 * older release agree on the id, and only the manifest tells old from new.
 *
 * <p>Reading accepts both forms: a stable name from the {@link ManifestRegistry} ({@code
 * room.doc-edited}, or {@code room.doc-edited#2} when a Jackson migration is at version 2), a
 * former class name the registry remembers for a moved class, or a plain class name (what Pekko
 * wrote before, and what this serializer writes while {@code
 * tandem.serialization.write-stable-manifests} is off). Writing uses the stable name when that
 * setting is on and the class has one; a class without one keeps its class name (the golden-file
 * test in cluster-node fails before that ships).
 *
 * <p>Called on any thread by Pekko; holds no mutable state but a set of classes already warned
 * about; blocks on nothing.
 */
public final class StableCborSerializer extends JacksonSerializer {
  /** The setting that picks what is written; reading always accepts both. */
  public static final String WRITE_STABLE = "tandem.serialization.write-stable-manifests";

  private final ManifestRegistry registry;
  private final boolean writeStable;
  private final LoggingAdapter log;
  private final Set<Class<?>> warned = ConcurrentHashMap.newKeySet();

  /** Pekko's constructor: the binding name is {@code jackson-cbor}, whose config still applies. */
  public StableCborSerializer(ExtendedActorSystem system, String bindingName) {
    super(
        system,
        bindingName,
        JacksonObjectMapperProvider.get(system)
            .getOrCreate(bindingName, Optional.of(new CBORFactory())));
    this.registry = ManifestRegistry.load(system.dynamicAccess().classLoader());
    var config = system.settings().config();
    this.writeStable = config.hasPath(WRITE_STABLE) && config.getBoolean(WRITE_STABLE);
    this.log = Logging.getLogger(system, StableCborSerializer.class);
  }

  /** Whether this serializer writes stable names (the setting it was started with). */
  public boolean writesStableManifests() {
    return writeStable;
  }

  @Override
  public String manifest(Object o) {
    // Pekko's manifest also runs its allow-list checks and appends a migration's "#version"
    String legacy = super.manifest(o);
    if (!writeStable) {
      return legacy;
    }
    Optional<String> name = registry.nameOf(o.getClass());
    if (name.isEmpty()) {
      if (warned.add(o.getClass())) {
        log.warning("{} has no stable manifest; it is written under its class name", o.getClass());
      }
      return legacy;
    }
    int hash = legacy.indexOf('#');
    return hash < 0 ? name.get() : name.get() + legacy.substring(hash);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    return super.fromBinary(bytes, classManifest(manifest));
  }

  /**
   * The manifest Pekko's Jackson serializer reads for {@code manifest}: a stable or former name
   * becomes the current class name (keeping any {@code #version}); a class name stays as it is.
   */
  public String classManifest(String manifest) {
    int hash = manifest.indexOf('#');
    String base = hash < 0 ? manifest : manifest.substring(0, hash);
    Optional<Class<?>> cls = registry.classOf(base);
    if (cls.isEmpty()) {
      return manifest;
    }
    return hash < 0 ? cls.get().getName() : cls.get().getName() + manifest.substring(hash);
  }
}
