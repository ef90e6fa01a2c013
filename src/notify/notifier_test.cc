// Notifier: bounded queues count their drops, failures are recorded, records persist. Runs on a
// real store in a temp dir; the endpoint is a loopback port nothing listens on.

#include "civitas/notify/notifier.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <thread>

namespace civitas::notify {
namespace {

namespace json = boost::json;
constexpr std::string_view kVocab = "https://uri.etsi.org/ngsi-ld/default-context/";

// Port 9 (discard) on loopback: nothing serves it on the test machines, so connecting is
// refused at once.
constexpr const char* kRefusingEndpoint = "http://127.0.0.1:9/notify";

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("civitas-notifier-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = store::Store::Open({.data_dir = dir_.string(), .block_cache_bytes = 8u << 20});
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    auto contexts = model::OpenContextStore("");
    ASSERT_TRUE(contexts.ok());
    contexts_ = std::move(*contexts);
  }
  void TearDown() override {
    if (store_) store_->SetChangeListener(nullptr);
    notifier_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void MakeNotifier(NotifierOptions options) {
    notifier_ = std::make_unique<Notifier>(*store_, *contexts_, Clock::System(), options);
    store_->SetChangeListener(notifier_.get());
  }
  std::shared_ptr<const Subscription> RoomSubscription(const std::string& id) {
    auto parsed =
        ParseSubscription(json::parse(R"({"type": "Subscription", "entities": [{"type": "Room"}],
                        "notification": {"endpoint": {"uri": ")" +
                                      std::string(kRefusingEndpoint) + R"("}}})"),
                          contexts_->Core(), id);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return std::make_shared<const Subscription>(std::move(*parsed));
  }
  void WriteRoom(double temperature) {
    std::string id = "urn:ngsi-ld:Room:1";
    ASSERT_TRUE(store_
                    ->Mutate("", {&id, 1},
                             [&](store::Mutation& m) {
                               model::Entity e;
                               e.id = id;
                               e.types = {std::string(kVocab) + "Room"};
                               model::Attribute a;
                               a.name = std::string(kVocab) + "temperature";
                               a.value = temperature;
                               e.attributes.push_back(std::move(a));
                               m.Put(std::move(e));
                               return Status::Ok();
                             })
                    .ok());
  }
  // Polls until `done` holds, at most 10 s.
  static bool Eventually(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<model::ContextStore> contexts_;
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(NotifierTest, AFullChangeQueueDropsAndCountsWithoutBlockingTheWriter) {
  // Not started: nothing drains the change queue.
  MakeNotifier({.change_queue_capacity = 2});
  ASSERT_TRUE(notifier_->Create(RoomSubscription("urn:ngsi-ld:Subscription:a")).ok());
  for (int i = 0; i < 5; ++i) WriteRoom(i);
  EXPECT_EQ(notifier_->counters().dropped_changes, 3u);
}

TEST_F(NotifierTest, AFailingEndpointIsMarkedAndItsBoundedQueueDropsTheOldest) {
  // One attempt, then a long backoff holds the queue while more changes arrive.
  MakeNotifier({.queue_capacity = 2, .initial_backoff = std::chrono::seconds(60)});
  const std::string id = "urn:ngsi-ld:Subscription:a";
  ASSERT_TRUE(notifier_->Create(RoomSubscription(id)).ok());
  notifier_->Start();
  WriteRoom(1);
  ASSERT_TRUE(Eventually([&] { return notifier_->Get("", id)->delivery.times_failed == 1; }));
  auto view = notifier_->Get("", id);
  EXPECT_TRUE(view->delivery.failed);
  EXPECT_EQ(view->delivery.times_sent, 1u);
  EXPECT_TRUE(view->delivery.last_failure);
  EXPECT_FALSE(view->delivery.last_success);
  for (int i = 2; i <= 4; ++i) WriteRoom(i);
  // Queue of 2: the retried change plus three new ones → two dropped.
  EXPECT_TRUE(Eventually([&] { return notifier_->counters().dropped_notifications == 2; }))
      << notifier_->counters().dropped_notifications;
}

TEST_F(NotifierTest, SubscriptionsAndStatusAreLoadedBack) {
  const std::string id = "urn:ngsi-ld:Subscription:a";
  MakeNotifier({});
  ASSERT_TRUE(notifier_->Create(RoomSubscription(id)).ok());
  EXPECT_EQ(notifier_->Create(RoomSubscription(id)).code(), StatusCode::kAlreadyExists);
  notifier_->Start();
  WriteRoom(1);
  ASSERT_TRUE(Eventually([&] { return notifier_->Get("", id)->delivery.times_failed == 1; }));
  ASSERT_TRUE(notifier_->Create(RoomSubscription("urn:ngsi-ld:Subscription:b")).ok());
  ASSERT_TRUE(notifier_->Delete("", "urn:ngsi-ld:Subscription:b").ok());
  store_->SetChangeListener(nullptr);
  notifier_->Stop();

  Notifier reloaded(*store_, *contexts_, Clock::System());
  ASSERT_TRUE(reloaded.Load().ok());
  auto list = reloaded.List("");
  ASSERT_EQ(list.size(), 1u) << "the deleted subscription stays deleted";
  EXPECT_EQ(list[0].subscription->id, id);
  EXPECT_GE(list[0].delivery.times_failed, 1u);
  EXPECT_TRUE(list[0].delivery.failed);
  EXPECT_EQ(reloaded.Delete("", "urn:ngsi-ld:Subscription:x").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace civitas::notify
