// Runtime ops for the stdlib's `ridge`, `eval` and `music.retrieve`
// declarations, bound to the runtime libraries (b2m/ridge, b2m/eval). Values
// cross as dense row-major float32 matrices; results are shaped as the
// declarations say.
#include <algorithm>
#include <map>
#include <set>

#include "b2m/eval/metrics.h"
#include "b2m/eval/retrieval.h"
#include "b2m/exec/executor.h"
#include "b2m/exec/record_value.h"
#include "b2m/ridge/ridge.h"
#include "b2m/runtime/error.h"

namespace b2m::exec {

namespace {

using cpu::HostTensor;

RowMatrixF as_matrix(const Value& v, const char* what) {
  const HostTensor& t = v.tensor;
  if (v.kind != Value::Kind::Tensor || t.dims.size() != 2 || t.dtype != DType::F32)
    fail("{} must be a 2-D f32 tensor", what);
  return Eigen::Map<const RowMatrixF>(t.data<float>(), t.dims[0], t.dims[1]);
}

std::vector<std::int64_t> as_ints(const Value& v, const char* what) {
  const HostTensor& t = v.tensor;
  if (v.kind != Value::Kind::Tensor || t.dims.size() != 1 || (t.dtype != DType::I64 && t.dtype != DType::I32))
    fail("{} must be a 1-D integer tensor", what);
  std::vector<std::int64_t> out(static_cast<std::size_t>(t.size()));
  for (std::int64_t i = 0; i < t.size(); ++i)
    out[i] = t.dtype == DType::I64 ? t.data<std::int64_t>()[i] : t.data<std::int32_t>()[i];
  return out;
}

std::vector<double> as_doubles(const Value& v) {
  const HostTensor& t = v.tensor;
  std::vector<double> out(static_cast<std::size_t>(t.size()));
  for (std::int64_t i = 0; i < t.size(); ++i)
    out[i] = t.dtype == DType::F32 ? t.data<float>()[i] : t.data<double>()[i];
  return out;
}

HostTensor from_matrix(const RowMatrixF& m) {
  HostTensor t = HostTensor::zeros(DType::F32, {m.rows(), m.cols()});
  std::copy(m.data(), m.data() + m.size(), t.data<float>());
  return t;
}

template <typename Vec>
HostTensor vector_f32(const Vec& v) {
  HostTensor t = HostTensor::zeros(DType::F32, {static_cast<std::int64_t>(v.size())});
  for (std::size_t i = 0; i < static_cast<std::size_t>(v.size()); ++i) t.data<float>()[i] = static_cast<float>(v[i]);
  return t;
}

ridge::RidgeOptions options(const Value& alphas, const std::vector<std::int64_t>& groups, std::int64_t folds,
                            const std::string& alpha_per, const std::string& score, const std::string& cv = "grouped") {
  ridge::RidgeOptions o;
  o.alphas = as_doubles(alphas);
  std::vector<int> g(groups.begin(), groups.end());
  std::set<int> distinct(g.begin(), g.end());
  if (folds < 0) fail("ridge: folds must be >= 0, got {}", folds);
  if (cv == "grouped" && folds > static_cast<std::int64_t>(distinct.size()))
    fail("ridge: {} folds requested, but the groups have only {} distinct values", folds, distinct.size());
  if (cv == "grouped") {
    o.cv = ridge::CvScheme::grouped(g, static_cast<int>(folds));
  } else if (cv == "kfold") {
    if (folds < 2) fail("ridge: cv = \"kfold\" needs folds >= 2, got {}", folds);
    if (folds > static_cast<std::int64_t>(groups.size()))
      fail("ridge: {} folds requested for {} samples", folds, groups.size());
    o.cv = ridge::CvScheme::kfold(static_cast<int>(folds));
  } else if (cv == "loo") {
    o.cv = ridge::CvScheme::leave_one_out();
  } else {
    fail("ridge: cv must be \"grouped\", \"kfold\" or \"loo\", got \"{}\"", cv);
  }
  if (alpha_per != "target" && alpha_per != "shared")
    fail("ridge: alpha_per must be \"target\" or \"shared\", got \"{}\"", alpha_per);
  o.alpha_per_target = alpha_per == "target";
  if (score != "pearson" && score != "r2") fail("ridge: score must be \"pearson\" or \"r2\", got \"{}\"", score);
  o.score = score == "pearson" ? ridge::Score::Pearson : ridge::Score::R2;
  return o;
}

// The ensemble's handle, with the regions in ascending label order.
struct Ensemble {
  ridge::RoiEnsemble fitted;
  std::vector<std::int64_t> labels;  // the distinct region labels, ascending
};

}  // namespace

void register_ridge_eval_ops(RuntimeRegistry& r) {
  r.add("ridge.fit", [](const std::vector<const Value*>& a, const Type&) {
    RowMatrixF x = as_matrix(*a[0], "X"), y = as_matrix(*a[1], "Y");
    auto groups = as_ints(*a[3], "groups");
    auto m = ridge::fit(x, y, options(*a[2], groups, static_cast<std::int64_t>(a[4]->scalar()), a[5]->text, a[6]->text,
                                              a[7]->text));
    std::vector<float> alpha(m.alpha.begin(), m.alpha.end());
    return record_value({{"weights", Value::of_tensor(from_matrix(m.weights))},
                   {"alpha", Value::of_tensor(vector_f32(alpha))},
                   {"cv_score", Value::of_tensor(vector_f32(m.best_cv_score))}});
  });
  r.add("ridge.predict", [](const std::vector<const Value*>& a, const Type&) {
    RowMatrixF w = as_matrix(a[0]->field("weights"), "the model's weights");
    RowMatrixF x = as_matrix(*a[1], "X");
    if (x.cols() != w.rows()) fail("ridge.predict: X has {} features, the model {}", x.cols(), w.rows());
    RowMatrixF p = x * w;
    return Value::of_tensor(from_matrix(p));
  });
  r.add("ridge.fit_regions", [](const std::vector<const Value*>& a, const Type&) {
    RowMatrixF x = as_matrix(*a[0], "X"), y = as_matrix(*a[1], "Y");
    auto labels = as_ints(*a[2], "labels");
    auto groups = as_ints(*a[4], "groups");
    std::int64_t top = static_cast<std::int64_t>(a[5]->scalar());
    std::map<std::int64_t, std::vector<std::int64_t>> columns;
    for (std::size_t c = 0; c < labels.size(); ++c)
      if (labels[c] >= 0) columns[labels[c]].push_back(static_cast<std::int64_t>(c));
    if (columns.empty()) fail("ridge.fit_regions: no feature has a region label (all labels are negative)");
    if (top < 1 || top > static_cast<std::int64_t>(columns.size()))
      fail("ridge.fit_regions: top must be between 1 and the number of regions ({}), got {}", columns.size(), top);
    std::vector<ridge::ColumnGroup> regions;
    auto e = std::make_shared<Ensemble>();
    for (auto& [label, cols] : columns) {
      regions.push_back(ridge::ColumnGroup{std::to_string(label), cols});
      e->labels.push_back(label);
    }
    e->fitted = ridge::fit_roi_ensemble(x, y, regions, static_cast<std::size_t>(top),
                                        options(*a[3], groups, static_cast<std::int64_t>(a[6]->scalar()), "target", "pearson"));
    std::vector<double> region_score(e->labels.size(), 0.0);
    for (const auto& member : e->fitted.ranked) {
      auto pos = std::find(e->labels.begin(), e->labels.end(), std::stoll(member.group.name)) - e->labels.begin();
      region_score[pos] = member.cv_score;
    }
    std::vector<double> cv(static_cast<std::size_t>(y.cols()), 0.0);
    for (std::size_t k = 0; k < e->fitted.top_k; ++k)
      for (std::size_t t = 0; t < cv.size(); ++t) cv[t] += e->fitted.ranked[k].model.best_cv_score[t] / e->fitted.top_k;
    Value handle;
    handle.kind = Value::Kind::Opaque;
    handle.handle = e;
    return record_value({{"model", handle},
                   {"region_score", Value::of_tensor(vector_f32(region_score))},
                   {"cv_score", Value::of_tensor(vector_f32(cv))}});
  });
  r.add("ridge.predict_regions", [](const std::vector<const Value*>& a, const Type&) {
    auto e = std::static_pointer_cast<Ensemble>(a[0]->field("model").handle);
    RowMatrixF x = as_matrix(*a[1], "X");
    return Value::of_tensor(from_matrix(e->fitted.predict(x)));
  });
  r.add("eval.identification", [](const std::vector<const Value*>& a, const Type&) {
    auto id = eval::identification_accuracy(as_matrix(*a[0], "pred"), as_matrix(*a[1], "truth"));
    return Value::of_tensor(vector_f32(id.per_sample));
  });
  r.add("eval.r2", [](const std::vector<const Value*>& a, const Type&) {
    return Value::of_tensor(vector_f32(eval::r2_per_dimension(as_matrix(*a[1], "truth"), as_matrix(*a[0], "pred"))));
  });
  r.add("eval.two_way_identification", [](const std::vector<const Value*>& a, const Type&) {
    HostTensor out = HostTensor::zeros(DType::F32, {});
    out.data<float>()[0] =
        static_cast<float>(eval::two_way_identification(as_matrix(*a[0], "pred"), as_matrix(*a[1], "truth")));
    return Value::of_tensor(std::move(out));
  });
  r.add("eval.noise_ceiling", [](const std::vector<const Value*>& a, const Type&) {
    const HostTensor& x = a[0]->tensor;
    if (x.dims.size() != 3 || x.dtype != DType::F32) fail("eval.noise_ceiling: expects f32[repeat, item, dim]");
    if (x.dims[0] < 2) fail("eval.noise_ceiling: needs at least 2 repeats, got {}", x.dims[0]);
    std::vector<RowMatrixF> repeats;
    for (std::int64_t r = 0; r < x.dims[0]; ++r)
      repeats.push_back(Eigen::Map<const RowMatrixF>(x.data<float>() + r * x.dims[1] * x.dims[2], x.dims[1], x.dims[2]));
    auto nc = eval::noise_ceiling(repeats);
    return record_value({{"explainable_variance", Value::of_tensor(vector_f32(nc.explainable_variance))},
                   {"max_correlation", Value::of_tensor(vector_f32(nc.max_correlation))}});
  });
  r.add("eval.pearson", [](const std::vector<const Value*>& a, const Type&) {
    return Value::of_tensor(vector_f32(eval::pearson_per_dimension(as_matrix(*a[1], "truth"), as_matrix(*a[0], "pred"))));
  });
  // The fraction of queries whose class is among the classes of their first
  // `top` retrieved items (the paper's class-agreement idea, for retrieval).
  r.add("eval.class_agreement", [](const std::vector<const Value*>& a, const Type&) {
    auto truth = as_ints(*a[0], "truth");
    const HostTensor& got = a[1]->tensor;
    std::int64_t top = static_cast<std::int64_t>(a[2]->scalar());
    if (got.dims.size() != 2 || got.dims[0] != static_cast<std::int64_t>(truth.size()))
      fail("eval.class_agreement: retrieved classes must be [query, rank] with {} queries", truth.size());
    if (top < 1 || top > got.dims[1]) fail("eval.class_agreement: top must be between 1 and {}, got {}", got.dims[1], top);
    double hits = 0;
    for (std::size_t q = 0; q < truth.size(); ++q)
      for (std::int64_t k = 0; k < top; ++k)
        if (got.data<std::int64_t>()[q * got.dims[1] + k] == truth[q]) {
          hits += 1;
          break;
        }
    HostTensor out = HostTensor::zeros(DType::F32, {});
    out.data<float>()[0] = truth.empty() ? 0.0f : static_cast<float>(hits / static_cast<double>(truth.size()));
    return Value::of_tensor(std::move(out));
  });
  r.add("music.retrieve", [](const std::vector<const Value*>& a, const Type&) {
    RowMatrixF q = as_matrix(*a[0], "query"), bank = as_matrix(*a[1], "bank");
    std::int64_t k = static_cast<std::int64_t>(a[2]->scalar());
    if (k < 1 || k > bank.rows()) fail("music.retrieve: k must be between 1 and the bank size ({}), got {}", bank.rows(), k);
    auto top = eval::cosine_top_k(q, bank, static_cast<std::size_t>(k));
    HostTensor index = HostTensor::zeros(DType::I64, {q.rows(), k});
    std::copy(top.indices.data(), top.indices.data() + top.indices.size(), index.data<std::int64_t>());
    HostTensor best = HostTensor::zeros(DType::I64, {q.rows()});
    for (std::int64_t i = 0; i < q.rows(); ++i) best.data<std::int64_t>()[i] = top.indices(i, 0);
    return record_value({{"index", Value::of_tensor(std::move(index))},
                   {"score", Value::of_tensor(from_matrix(top.scores))},
                   {"top", Value::of_tensor(std::move(best))}});
  });
}

}  // namespace b2m::exec
