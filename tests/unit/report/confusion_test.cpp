#include "b2m/report/confusion.h"

#include <gtest/gtest.h>

#include <cmath>

#include "b2m/report/example_selection.h"
#include "b2m/runtime/error.h"

namespace b2m::report {
namespace {

TEST(Confusion, CountsMatchAHandComputation) {
  // truth:     0 0 1 1 1 2 2
  // predicted: 0 1 1 1 2 2 0
  std::vector<std::int64_t> truth = {0, 0, 1, 1, 1, 2, 2}, pred = {0, 1, 1, 1, 2, 2, 0};
  Confusion c = confusion_matrix(truth, pred, 3);
  std::vector<std::int64_t> expected = {1, 1, 0,   // truth 0
                                        0, 2, 1,   // truth 1
                                        1, 0, 1};  // truth 2
  EXPECT_EQ(c.counts, expected);
  EXPECT_EQ(c.row_total(1), 3);
  EXPECT_EQ(c.total(), 7);
  EXPECT_DOUBLE_EQ(c.accuracy(), 4.0 / 7.0);
}

TEST(Confusion, RejectsBadLabels) {
  std::vector<std::int64_t> a = {0, 1}, b = {0, 3}, c = {0};
  EXPECT_THROW(confusion_matrix(a, b, 3), Error);
  EXPECT_THROW(confusion_matrix(a, c, 3), Error);
}

TEST(Confusion, GroupMeansSkipNonFinite) {
  std::vector<float> v = {1, 2, 3, NAN, 10};
  std::vector<std::int64_t> g = {0, 0, 2, 2, 2};
  GroupStats s = group_means(v, g, 3);
  EXPECT_DOUBLE_EQ(s.mean[0], 1.5);
  EXPECT_TRUE(std::isnan(s.mean[1]));
  EXPECT_DOUBLE_EQ(s.mean[2], 6.5);
  EXPECT_EQ(s.count, (std::vector<std::int64_t>{2, 0, 2}));
}

TEST(Confusion, TopKAgreement) {
  std::vector<std::int64_t> truth = {0, 1, 2};
  // 3 rows x 3 ranks
  std::vector<std::int64_t> pred = {0, 1, 1,   // hit at rank 1
                                    2, 1, 0,   // hit at rank 2
                                    0, 0, 1};  // miss
  EXPECT_DOUBLE_EQ(top_k_agreement(truth, pred, 3, 1), 1.0 / 3);
  EXPECT_DOUBLE_EQ(top_k_agreement(truth, pred, 3, 2), 2.0 / 3);
  EXPECT_DOUBLE_EQ(top_k_agreement(truth, pred, 3, 5), 2.0 / 3);  // k capped at the ranks
  EXPECT_THROW(top_k_agreement(truth, pred, 2, 1), Error);
}

TEST(ExampleSelection, BestWorstMedianOfDifferentGenres) {
  //                     0    1    2    3    4    5    6    7    8
  std::vector<float> s = {0.9, 0.1, 0.5, 0.95, 0.3, 0.55, 0.52, 0.7, 0.2};
  std::vector<std::int64_t> g = {0, 1, 2, 0, 1, 2, 3, 4, 5};
  // best: 3 (genre 0); worst: 1 (genre 1); median of 9 sorted = position 4 -> 0.52 (clip 6, genre 3).
  auto picked = pick_examples(s, g, 3);
  EXPECT_EQ(picked, (std::vector<std::size_t>{3, 6, 1}));
  // A 4th at the 3/4 quantile: position 6 -> 0.7 (clip 7, genre 4), shown in score order.
  picked = pick_examples(s, g, 4);
  EXPECT_EQ(picked, (std::vector<std::size_t>{3, 7, 6, 1}));
  // More than there are clips: every clip once.
  EXPECT_EQ(pick_examples(s, g, 50).size(), s.size());
  EXPECT_TRUE(pick_examples(s, g, 0).empty());
}

TEST(ExampleSelection, PrefersANewGenreNearTheTarget) {
  std::vector<float> s = {0.1, 0.2, 0.3, 0.4, 0.5};
  std::vector<std::int64_t> g = {0, 0, 0, 0, 1};
  // best: 4 (genre 1); worst: 0 (genre 0); median target 2 has genre 0 (shown), and so has every other clip:
  // it takes the nearest, clip 2.
  EXPECT_EQ(pick_examples(s, g, 3), (std::vector<std::size_t>{4, 2, 0}));
  std::vector<std::int64_t> g2 = {0, 1, 0, 2, 3};
  // The median target, clip 2, is genre 0 (already shown by clip 0); the nearest new genres are clips 3 and 1,
  // one rank either side: the better-ranked one, clip 3, is taken.
  EXPECT_EQ(pick_examples(s, g2, 3), (std::vector<std::size_t>{4, 3, 0}));
}

TEST(ExampleSelection, TiesRankByIndexAndBestIsRankOne) {
  std::vector<float> s = {1.0f, 0.4f, 1.0f, NAN, 1.0f, 0.7f};
  std::vector<std::int64_t> g = {0, 1, 2, 3, 4, 5};
  EXPECT_EQ(rank_order(s), (std::vector<std::size_t>{0, 2, 4, 5, 1, 3}));
  EXPECT_EQ(median_position(6), 2u);
  EXPECT_EQ(median_position(7), 3u);
  // best: clip 0 (rank 1); worst: the NaN clip 3; median: position 2, clip 4.
  EXPECT_EQ(pick_examples(s, g, 3), (std::vector<std::size_t>{0, 4, 3}));
}

}  // namespace
}  // namespace b2m::report
