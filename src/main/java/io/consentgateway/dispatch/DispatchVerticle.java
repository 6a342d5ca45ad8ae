package io.consentgateway.dispatch;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Consumes the dispatch addresses of the shards it owns: instance {@code i} of {@code n} owns every
 * shard {@code s} with {@code s % n == i}, so each user (one shard per lane) has exactly one
 * consumer, and the scheduler never sends a user that is already in flight: one call per user and
 * lane at a time.
 */
public final class DispatchVerticle extends VerticleBase {

  private final List<DispatchLane<?>> lanes;
  private final int index;
  private final int instances;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public DispatchVerticle(List<DispatchLane<?>> lanes, int index, int instances) {
    this.lanes = Objects.requireNonNull(lanes, "lanes");
    this.index = index;
    this.instances = instances;
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> registered = new ArrayList<>();
    for (DispatchLane<?> lane : lanes) {
      registered.addAll(consume(lane));
    }
    return Future.all(registered);
  }

  private <T> List<Future<Void>> consume(DispatchLane<T> lane) {
    List<Future<Void>> registered = new ArrayList<>();
    for (int shard = index; shard < lane.shards(); shard += instances) {
      MessageConsumer<T> consumer = vertx.eventBus().localConsumer(DispatchScheduler.address(lane, shard),
          message -> lane.dispatch(message.body()).onComplete(done -> message.reply(done.succeeded())));
      consumers.add(consumer);
      registered.add(consumer.completion());
    }
    return registered;
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
