package io.consentgateway.dispatch;

import io.consentgateway.store.ClaimedUser;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Consumes the dispatch addresses of the shards it owns: instance {@code i} of {@code n} owns every
 * shard {@code s} with {@code s % n == i}, so each user (one shard) has exactly one consumer, and
 * the scheduler never sends a user that is already in flight: one Actito update per user at a time.
 */
public final class DispatchVerticle extends VerticleBase {

  private final Map<String, IntegrationDispatch> integrations;
  private final int index;
  private final int instances;
  private final List<MessageConsumer<ClaimedUser>> consumers = new ArrayList<>();

  public DispatchVerticle(Map<String, IntegrationDispatch> integrations, int index, int instances) {
    this.integrations = Objects.requireNonNull(integrations, "integrations");
    this.index = index;
    this.instances = instances;
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> registered = new ArrayList<>();
    for (IntegrationDispatch integration : integrations.values()) {
      int shards = integration.config().dispatch().shards();
      for (int shard = index; shard < shards; shard += instances) {
        MessageConsumer<ClaimedUser> consumer = vertx.eventBus().localConsumer(
            DispatchScheduler.address(integration.id(), shard),
            message -> integration.dispatch(message.body()).onComplete(done -> message.reply(done.succeeded())));
        consumers.add(consumer);
        registered.add(consumer.completion());
      }
    }
    return Future.all(registered);
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
