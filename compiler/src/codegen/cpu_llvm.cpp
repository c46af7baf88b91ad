// Loop-level kernels -> LLVM IR (see cpu.h for the kernel ABI).
//
// Loops are emitted as plain counted loops with the innermost one walking
// contiguous memory; LLVM's loop vectorizer (O3, host target features) turns
// them into AVX2/AVX-512 code. Nothing relaxes IEEE semantics: no fast-math
// flags, so results match a scalar evaluation exactly (accumulations over the
// innermost dimension therefore stay scalar; the reduction order the loop
// form chooses streams outer dimensions instead).
#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Host.h>

#include "b2m/codegen/cpu.h"
#include "b2m/lang/diagnostics.h"

namespace b2m::cpu {

std::string kernel_symbol(const std::string& kernel_name) {
  std::string s = "b2m_kernel_";
  for (char c : kernel_name) s += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return s;
}

namespace {

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

std::unique_ptr<llvm::TargetMachine> host_machine(int opt_level) {
  init_llvm();
  std::string triple = llvm::sys::getProcessTriple();
  std::string err;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, err);
  if (!target) B2M_ICE("no LLVM target for the host: " + err);
  llvm::SubtargetFeatures features;
  for (const auto& [name, on] : llvm::sys::getHostCPUFeatures()) features.AddFeature(name, on);
  llvm::TargetOptions to;
  auto level = opt_level >= 3 ? llvm::CodeGenOptLevel::Aggressive
               : opt_level >= 1 ? llvm::CodeGenOptLevel::Default
                                : llvm::CodeGenOptLevel::None;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), to, llvm::Reloc::PIC_, std::nullopt, level));
}

// Generates the LLVM function of one kernel.
class KernelEmitter {
 public:
  KernelEmitter(llvm::Module& m, const loops::Kernel& k, bool compressed_lanes)
      : m_(m), ctx_(m.getContext()), b_(ctx_), k_(k), compressed_lanes_(compressed_lanes) {}

  void run() {
    auto* ptr = llvm::PointerType::getUnqual(ctx_);
    auto* i64 = b_.getInt64Ty();
    auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, i64, i64, ptr, ptr}, false);
    fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, kernel_symbol(k_.name), m_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    fn_->addFnAttr("frame-pointer", "none");
    auto args = fn_->arg_begin();
    llvm::Value* buffers = &*args++;
    llvm::Value* dims = &*args++;
    begin_ = &*args++;
    end_ = &*args++;
    llvm::Value* box = &*args++;
    error_ = &*args++;
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
    // The bounds of each loop dimension for this call: the whole extent in an
    // ordinary launch, a block of it when a tiled schedule runs the kernel
    // piece by piece (docs/ir.md, "Tiled schedules").
    for (std::size_t i = 0; i < k_.box.size(); ++i) {
      const std::string& var = k_.box[i].first;
      box_lo_[var] = b_.CreateLoad(i64, b_.CreateConstInBoundsGEP1_64(i64, box, 2 * i), var + ".lo");
      box_hi_[var] = b_.CreateLoad(i64, b_.CreateConstInBoundsGEP1_64(i64, box, 2 * i + 1), var + ".hi");
    }
    // Errors found in loops are OR-ed into a local (promoted to a register, so
    // loops with gathers still vectorize) and stored once at the end.
    error_local_ = b_.CreateAlloca(b_.getInt32Ty(), nullptr, "error.local");
    b_.CreateStore(b_.getInt32(0), error_local_);

    // Buffers in ABI order: inputs, out, scratch. Load each data pointer,
    // each dimension size, and compute row-major strides once.
    std::vector<const loops::Buffer*> all;
    for (const auto& in : k_.inputs) all.push_back(&in);
    all.push_back(&k_.output);
    for (const auto& o : k_.more_outputs) all.push_back(&o);
    for (const auto& s : k_.accumulators) all.push_back(&s);
    for (const auto& l : k_.index_lists) all.push_back(&l.buffer);
    int dim_index = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      BufferInfo info;
      info.dtype = all[i]->type.dtype;
      llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(ptr, buffers, i);
      info.data = b_.CreateLoad(ptr, slot, all[i]->name + ".data");
      for (const auto& d : all[i]->type.dims) {
        llvm::Value* size = b_.CreateLoad(i64, b_.CreateConstInBoundsGEP1_64(i64, dims, dim_index++), d.name + ".n");
        info.sizes.push_back(size);
        if (!extents_.count(d.name)) extents_[d.name] = size;
      }
      info.strides.resize(info.sizes.size());
      llvm::Value* stride = b_.getInt64(1);
      for (std::size_t j = info.sizes.size(); j-- > 0;) {
        info.strides[j] = stride;
        stride = b_.CreateMul(stride, info.sizes[j]);
      }
      buffers_[all[i]->name] = info;
    }
    alias_scopes(all);
    nodes(k_.body);
    llvm::Value* err = b_.CreateLoad(b_.getInt32Ty(), error_local_);
    llvm::Value* old = b_.CreateLoad(b_.getInt32Ty(), error_);
    b_.CreateStore(b_.CreateOr(old, err), error_);
    b_.CreateRetVoid();
  }

 private:
  struct BufferInfo {
    DType dtype;
    llvm::Value* data = nullptr;
    std::vector<llvm::Value*> sizes;
    std::vector<llvm::Value*> strides;
  };

  llvm::Type* type_of(DType d) {
    switch (d) {
      case DType::F32: return b_.getFloatTy();
      case DType::F64: return b_.getDoubleTy();
      case DType::I32: return b_.getInt32Ty();
      case DType::I64: return b_.getInt64Ty();
      case DType::Bool: return b_.getInt1Ty();
      default: B2M_ICE("kernel value of a non-numeric dtype");
    }
  }
  // In memory, bools are bytes.
  llvm::Type* memory_type(DType d) { return d == DType::Bool ? b_.getInt8Ty() : type_of(d); }

  void nodes(const std::vector<loops::Node>& list) {
    for (const auto& n : list) node(n);
  }

  void node(const loops::Node& n) {
    switch (n.kind) {
      case loops::Node::Kind::Parallel: {
        // The runtime gives this call the chunk [begin, end) of `var`.
        parallel_var_ = n.var;
        vars_[n.var + ".begin"] = begin_;  // the chunk's first index (per-chunk entries of scratch buffers)
        nodes(n.body);
        break;
      }
      case loops::Node::Kind::Loop: {
        llvm::Value* lo = n.chunk ? begin_ : box_lo_.at(n.var);
        llvm::Value* hi = n.chunk ? end_ : box_hi_.at(n.var);
        if (int width = lane_width(n)) {
          lanes_loop(n, width, lo, hi);
          break;
        }
        if (auto g = prefetched_gather(n); g.first) {
          gather_loop_with_prefetch(n, *g.first, *g.second, lo, hi);
          break;
        }
        loop(n.var, lo, hi, [&] {
          prefetch_rows_ahead(n, hi);
          nodes(n.body);
        }, force_vectorize(n));
        break;
      }
      case loops::Node::Kind::Inst: inst(n.inst); break;
    }
  }

  // An innermost loop that gathers (take, compress) is vectorized even where
  // LLVM's cost model prefers scalar code for vector gathers: measured faster
  // here. Only when every store indexes by the loop variable, so no
  // floating-point sum is carried across iterations (forcing vectorization
  // would also allow reassociating such sums and change results).
  static bool force_vectorize(const loops::Node& loop) {
    bool gathers = false;
    for (const auto& n : loop.body) {
      if (n.kind != loops::Node::Kind::Inst) return false;  // not innermost
      const loops::Inst& i = n.inst;
      if (i.kind == loops::Inst::Kind::Load)
        for (const auto& ix : i.index) gathers |= ix.scalar >= 0;
      if (i.kind == loops::Inst::Kind::Store &&
          std::none_of(i.index.begin(), i.index.end(), [&](const loops::Index& ix) { return ix.var == loop.var && ix.scalar < 0; }))
        return false;
    }
    return gathers;
  }

  // A loop over rows whose inner loop reads only this call's chunk of each
  // row (a reduction's chunk of voxels, walking all time rows) jumps to a new
  // row every few hundred bytes to kilobytes: the hardware prefetcher, which
  // follows one stream within a page, restarts at every row and the loop
  // waits for memory (measured: bench_onepass_bound's statistics of 400-row
  // x 384-voxel tiles took 0.149 s without and 0.031 s with prefetching 4
  // rows ahead). So at the start of each row, the chunk of the row
  // kRowsAhead rows further is prefetched, one cache line per instruction.
  static constexpr std::int64_t kRowsAhead = 8;

  void prefetch_rows_ahead(const loops::Node& rows, llvm::Value* rows_end) {
    std::set<std::string> done;
    llvm::Value* ahead = b_.CreateAdd(vars_.at(rows.var), b_.getInt64(kRowsAhead));
    for (const auto& inner : rows.body) {
      if (inner.kind != loops::Node::Kind::Loop) continue;
      for (const auto& n : inner.body) {
        if (n.kind != loops::Node::Kind::Inst) break;  // innermost loops only
        const loops::Inst& i = n.inst;
        if (i.index.size() != 2 || done.count(i.buffer)) continue;
        const loops::Index& r = i.index[0];
        const loops::Index& c = i.index[1];
        if (r.var != rows.var || r.offset || r.scalar >= 0 || c.var != inner.var || c.offset || c.scalar >= 0) continue;
        bool input = std::any_of(k_.inputs.begin(), k_.inputs.end(), [&](const loops::Buffer& b) { return b.name == i.buffer; });
        bool output = i.buffer == k_.output.name ||
                      std::any_of(k_.more_outputs.begin(), k_.more_outputs.end(), [&](const loops::Buffer& b) { return b.name == i.buffer; });
        if (inner.chunk && i.kind == loops::Inst::Kind::Load && input) {
          done.insert(i.buffer);
          prefetch_chunk(i.buffer, ahead, rows_end, begin_, end_, false, nullptr);
        } else if (k_.blocked && !inner.chunk && i.kind == loops::Inst::Kind::Store && output) {
          // The same for the rows a tiled schedule writes a block of (docs/ir.md,
          // "Tiled schedules"): a short block of each output row, rows far
          // apart; each store first reads its line. Only when the block is
          // short: a whole row's worth of prefetches kRowsAhead rows ahead
          // would run past the cache.
          done.insert(i.buffer);
          llvm::Value* lo = box_lo_.at(inner.var);
          llvm::Value* hi = box_hi_.at(inner.var);
          llvm::Value* is_short = b_.CreateICmpSLE(b_.CreateSub(hi, lo), b_.getInt64(kShortRow));
          prefetch_chunk(i.buffer, ahead, rows_end, lo, hi, true, is_short);
        }
      }
    }
  }
  static constexpr std::int64_t kShortRow = 2048;  // entries: the longest block prefetched for writing

  // An innermost loop that gathers from an input through an index list (a
  // fused compress: x[t, idx[k]]) walks its row in increasing order, but the
  // hardware prefetcher does not follow vector gathers. bench_fused's
  // normalize-mask-delay kernel (2 threads) took 0.10 or 0.19 s without and
  // takes 0.067-0.071 s with this; in a hand-written copy of that loop,
  // prefetching the next whole row at the start of each row instead took
  // 0.16 s against 0.20 s. So such loops run in blocks of kGatherBlock
  // iterations, each first prefetching the addresses gathered kGatherAhead
  // iterations ahead (every kGatherEvery-th: with two voxels in three kept, 8
  // entries span about 12 floats, under a 64-byte line; with sparser masks
  // some lines go unprefetched, which costs time, never correctness), then
  // the block itself, vectorized.
  static constexpr std::int64_t kGatherBlock = 256, kGatherAhead = 640, kGatherEvery = 8;

  // The gathering load and the index-list load feeding it, if `n` is such a loop.
  std::pair<const loops::Inst*, const loops::Inst*> prefetched_gather(const loops::Node& n) {
    if (!force_vectorize(n)) return {nullptr, nullptr};
    std::map<int, const loops::Inst*> def;
    for (const auto& c : n.body) {
      const loops::Inst& i = c.inst;
      if (i.result >= 0) def[i.result] = &i;
      bool input = std::any_of(k_.inputs.begin(), k_.inputs.end(), [&](const loops::Buffer& b) { return b.name == i.buffer; });
      if (i.kind != loops::Inst::Kind::Load || !input || i.index.empty()) continue;
      const loops::Index& last = i.index.back();
      if (last.scalar < 0 || !last.trusted || !def.count(last.scalar)) continue;
      const loops::Inst* list = def[last.scalar];
      if (list->kind == loops::Inst::Kind::Load && list->index.size() == 1 && list->index[0].var == n.var &&
          list->index[0].offset == 0 && list->index[0].scalar < 0)
        return {&i, list};
    }
    return {nullptr, nullptr};
  }

  void gather_loop_with_prefetch(const loops::Node& n, const loops::Inst& gather, const loops::Inst& list,
                                 llvm::Value* lo, llvm::Value* hi) {
    const std::string block = n.var + ".block", ahead = "prefetch.gather";
    loop(block, lo, hi, [&] {
      llvm::Value* kb = vars_.at(block);
      llvm::Value* ke = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b_.CreateAdd(kb, b_.getInt64(kGatherBlock)), hi);
      llvm::Value* pe = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b_.CreateAdd(ke, b_.getInt64(kGatherAhead)), hi);
      loop(ahead, b_.CreateAdd(kb, b_.getInt64(kGatherAhead)), pe, [&] {
        vars_[n.var] = vars_.at(ahead);
        inst(list);  // the index gathered kGatherAhead iterations later
        llvm::Value* at = address(gather);
        b_.CreateIntrinsic(llvm::Intrinsic::prefetch, {at->getType()}, {at, b_.getInt32(0), b_.getInt32(3), b_.getInt32(1)});
        vars_.erase(n.var);
      }, false, kGatherEvery);
      loop(n.var, kb, ke, [&] { nodes(n.body); }, true);
    }, false, kGatherBlock);
  }

  // ---- compressed lanes (loops.h, mark_compressed_lanes) --------------------
  // A loop over kept positions k whose gathers x[.., idx[k]] all go through
  // one index list runs over the raw positions v instead, W lanes at a time:
  // the mask's W entries give a lane mask m; gathered rows are read with a
  // masked vector load at v; kept-space operands a[.., k] are loaded packed
  // (popcount(m) entries at k) and expanded into m's lanes; the result is
  // compressed in registers and stored packed at k. No gathers: the row is
  // read as one contiguous stream. (The memory forms of AVX-512's compress
  // and expand are slow on AMD Zen 4/5, hence register forms and masked
  // loads/stores.) bench_fused's normalize-mask-delay went from 16-lane
  // gathers from L2 to this; see bench/README.md.

  // The number of lanes W for loop `n`, or 0 to emit it otherwise: one
  // 512-bit vector of its widest packed (kept-space) element.
  int lane_width(const loops::Node& n) {
    if (!compressed_lanes_ || n.lanes.empty()) return 0;
    int bits = 0;
    for (const auto& c : n.body) {
      const loops::Inst& i = c.inst;
      if ((i.kind != loops::Inst::Kind::Load && i.kind != loops::Inst::Kind::Store) || i.index.empty()) continue;
      if (i.index.back().var != n.var || i.index.back().scalar >= 0) continue;
      if (i.buffer == n.lanes) continue;
      if (i.dtype == DType::Bool) return 0;  // byte compress/expand would need AVX512-VBMI2
      bits = std::max(bits, static_cast<int>(m_.getDataLayout().getTypeSizeInBits(type_of(i.dtype))));
    }
    return bits ? 512 / bits : 0;
  }

  // Position `pos` plus kLanesAheadBytes worth of `dtype` entries, at most
  // `end - 1`: prefetches stay inside the loop's range (a tiled schedule's
  // short blocks then prefetch nothing new).
  static constexpr std::int64_t kLanesAheadBytes = 4096;
  llvm::Value* ahead(llvm::Value* pos, llvm::Value* end, DType dtype) {
    std::int64_t size = static_cast<std::int64_t>(m_.getDataLayout().getTypeAllocSize(memory_type(dtype)));
    llvm::Value* p = b_.CreateAdd(pos, b_.getInt64(kLanesAheadBytes / size));
    return b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, p, b_.CreateSub(end, b_.getInt64(1)));
  }

  void prefetch(llvm::Value* at, bool write) {
    // llvm.prefetch(address, read 0 / write 1, locality 3 (keep in all levels), data cache)
    b_.CreateIntrinsic(llvm::Intrinsic::prefetch, {at->getType()},
                       {at, b_.getInt32(write ? 1 : 0), b_.getInt32(3), b_.getInt32(1)});
  }

  llvm::Value* splat_if_scalar(llvm::Value* v, int width) {
    return v->getType()->isVectorTy() ? v : b_.CreateVectorSplat(width, v);
  }

  // The x86 register form of compress (pack m's lanes at the bottom) or
  // expand (spread the bottom lanes into m's), zeroing the others.
  llvm::Value* lanes_permute(llvm::Intrinsic::ID id, llvm::Value* v, llvm::Value* m) {
    llvm::Value* zero = llvm::Constant::getNullValue(v->getType());
    return b_.CreateIntrinsic(id, {v->getType()}, {v, zero, m});
  }

  void lanes_loop(const loops::Node& n, int width, llvm::Value* kb, llvm::Value* ke) {
    auto* i64 = b_.getInt64Ty();
    auto* i32 = b_.getInt32Ty();
    const loops::IndexList* list = nullptr;
    for (const auto& l : k_.index_lists)
      if (l.buffer.name == n.lanes) list = &l;
    const BufferInfo& idx = buffers_.at(list->buffer.name);
    const BufferInfo& mask = buffers_.at(k_.inputs.at(list->mask_input).name);

    auto* go = llvm::BasicBlock::Create(ctx_, n.var + ".lanes", fn_);
    auto* header = llvm::BasicBlock::Create(ctx_, n.var + ".lanes.loop", fn_);
    auto* body = llvm::BasicBlock::Create(ctx_, n.var + ".lanes.body", fn_);
    auto* done = llvm::BasicBlock::Create(ctx_, n.var + ".lanes.exit", fn_);
    b_.CreateCondBr(b_.CreateICmpSLT(kb, ke), go, done);
    b_.SetInsertPoint(go);
    // Kept entries [kb, ke) are raw positions [rb, re); start at the W-aligned
    // position at or below rb so full rows load aligned.
    auto raw_at = [&](llvm::Value* k) {
      llvm::Value* p = b_.CreateInBoundsGEP(i32, idx.data, k);
      auto* ld = b_.CreateLoad(i32, p);
      set_alias(ld, list->buffer.name);
      return b_.CreateSExt(ld, i64);
    };
    llvm::Value* rb = raw_at(kb);
    llvm::Value* re = b_.CreateAdd(raw_at(b_.CreateSub(ke, b_.getInt64(1))), b_.getInt64(1));
    llvm::Value* v0 = b_.CreateAnd(rb, b_.getInt64(-static_cast<std::int64_t>(width)));
    std::vector<llvm::Constant*> iota;
    for (int l = 0; l < width; ++l) iota.push_back(b_.getInt32(l));
    llvm::Value* lane = llvm::ConstantVector::get(iota);
    b_.CreateBr(header);

    b_.SetInsertPoint(header);
    llvm::PHINode* v = b_.CreatePHI(i64, 2, n.var + ".raw");
    llvm::PHINode* k = b_.CreatePHI(i64, 2, n.var);
    v->addIncoming(v0, go);
    k->addIncoming(kb, go);
    b_.CreateCondBr(b_.CreateICmpSLT(v, re), body, done);

    // Every vector but the first and the last lies inside [rb, re): those
    // skip the range test (a dozen instructions per 16 lanes) and prefetch;
    // the two at the ends test which of their lanes are in range.
    b_.SetInsertPoint(body);
    auto* full = llvm::BasicBlock::Create(ctx_, n.var + ".lanes.full", fn_);
    auto* edge = llvm::BasicBlock::Create(ctx_, n.var + ".lanes.edge", fn_);
    auto* latch = llvm::BasicBlock::Create(ctx_, n.var + ".lanes.next", fn_);
    llvm::Value* inside = b_.CreateAnd(b_.CreateICmpSGE(v, rb), b_.CreateICmpSLE(b_.CreateAdd(v, b_.getInt64(width)), re));
    b_.CreateCondBr(inside, full, edge);
    b_.SetInsertPoint(full);
    llvm::Value* full_count = lanes_step(n, *list, mask, width, v, k, nullptr, ke, re);
    llvm::BasicBlock* full_end = b_.GetInsertBlock();
    b_.CreateBr(latch);
    b_.SetInsertPoint(edge);
    // Lanes inside [rb, re) (relative bounds clamped to [0, W]).
    auto rel = [&](llvm::Value* bound) {
      llvm::Value* r = b_.CreateSub(bound, v);
      r = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, r, b_.getInt64(0));
      r = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, r, b_.getInt64(width));
      return b_.CreateVectorSplat(width, b_.CreateTrunc(r, i32));
    };
    llvm::Value* in_range = b_.CreateAnd(b_.CreateICmpSGE(lane, rel(rb)), b_.CreateICmpSLT(lane, rel(re)));
    llvm::Value* edge_count = lanes_step(n, *list, mask, width, v, k, in_range, ke, re);
    llvm::BasicBlock* edge_end = b_.GetInsertBlock();
    b_.CreateBr(latch);
    b_.SetInsertPoint(latch);
    llvm::PHINode* count = b_.CreatePHI(i64, 2, n.var + ".kept");
    count->addIncoming(full_count, full_end);
    count->addIncoming(edge_count, edge_end);
    v->addIncoming(b_.CreateAdd(v, b_.getInt64(width)), latch);
    k->addIncoming(b_.CreateAdd(k, count), latch);
    b_.CreateBr(header);
    b_.SetInsertPoint(done);
  }

  // One vector of a lanes loop: raw positions [v, v + W), kept entries from
  // k; returns how many lanes were kept. `in_range` (null: all W lanes) says
  // which lanes lie inside the block; the mask's bytes are read under it so
  // the last vector never reads past the mask. Full vectors also prefetch
  // each stream 4 KiB ahead (within the block).
  llvm::Value* lanes_step(const loops::Node& n, const loops::IndexList& list, const BufferInfo& mask, int width,
                          llvm::Value* v, llvm::Value* k, llvm::Value* in_range, llvm::Value* ke, llvm::Value* re) {
    auto* i64 = b_.getInt64Ty();
    auto* mask_ty = llvm::FixedVectorType::get(b_.getInt1Ty(), width);
    auto* bits_ty = b_.getIntNTy(width);
    auto* byte_vec = llvm::FixedVectorType::get(b_.getInt8Ty(), width);
    llvm::Value* mask_ptr = b_.CreateInBoundsGEP(b_.getInt8Ty(), mask.data, v);
    llvm::Instruction* mask_bytes = nullptr;
    if (in_range)
      mask_bytes = b_.CreateMaskedLoad(byte_vec, mask_ptr, llvm::Align(1), in_range,
                                       llvm::Constant::getNullValue(byte_vec));
    else
      mask_bytes = b_.CreateAlignedLoad(byte_vec, mask_ptr, llvm::Align(1));
    mask_bytes->setName("mask.bytes");
    set_alias(mask_bytes, k_.inputs.at(list.mask_input).name);
    llvm::Value* m = b_.CreateICmpNE(mask_bytes, llvm::Constant::getNullValue(byte_vec));
    llvm::Value* count = b_.CreateZExt(b_.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, b_.CreateBitCast(m, bits_ty)), i64);
    // The first `count` lanes: where packed operands are read and results written.
    llvm::Value* packed = b_.CreateBitCast(
        b_.CreateTrunc(b_.CreateSub(b_.CreateShl(b_.getInt64(1), count), b_.getInt64(1)), bits_ty), mask_ty);
    const bool prefetching = in_range == nullptr;

    std::set<int> raw, vector;
    std::set<std::string> prefetched;  // buffers whose stream is prefetched ahead
    std::map<std::string, llvm::Value*> saved_vars = vars_;
    std::map<int, llvm::Value*> saved_scalars = scalars_;
    vars_[n.var] = k;
    for (const auto& c : n.body) {
      const loops::Inst& i = c.inst;
      bool along = !i.index.empty() && i.index.back().scalar < 0 && i.index.back().var == n.var;
      switch (i.kind) {
        case loops::Inst::Kind::Load: {
          if (i.buffer == list.buffer.name) {
            raw.insert(i.result);  // idx[k]: the lanes' raw positions, v + lane
            break;
          }
          bool gather = !i.index.empty() && raw.count(i.index.back().scalar);
          if (!gather && !along) {
            inst(i);  // the same for every lane
            break;
          }
          if (prefetching && gather && !prefetched.count(i.buffer)) {
            // The hardware prefetcher falls behind on this stream of masked
            // loads interleaved with masked stores (measured: 0.138 s without,
            // 0.048 s with a row stream 4 KiB ahead, one thread).
            prefetched.insert(i.buffer);
            scalars_[i.index.back().scalar] = ahead(v, re, i.dtype);
            prefetch(address(i), false);
          }
          if (gather) scalars_[i.index.back().scalar] = v;  // the row from position v
          llvm::Value* at = address(i);
          auto* vt = llvm::FixedVectorType::get(memory_type(i.dtype), width);
          llvm::Align align(m_.getDataLayout().getTypeAllocSize(memory_type(i.dtype)));
          auto* ld = b_.CreateMaskedLoad(vt, at, align, gather ? m : packed, llvm::Constant::getNullValue(vt));
          set_alias(ld, i.buffer);
          llvm::Value* val = ld;
          if (!gather) val = lanes_permute(llvm::Intrinsic::x86_avx512_mask_expand, val, m);
          if (i.dtype == DType::Bool) val = b_.CreateICmpNE(val, llvm::Constant::getNullValue(vt));
          scalars_[i.result] = val;
          vector.insert(i.result);
          break;
        }
        case loops::Inst::Kind::Store: {
          if (prefetching && !prefetched.count(i.buffer)) {
            prefetched.insert(i.buffer);
            vars_[n.var] = ahead(k, ke, i.dtype);
            prefetch(address(i), true);
            vars_[n.var] = k;
          }
          llvm::Value* val = splat_if_scalar(scalars_.at(i.args[0]), width);
          val = lanes_permute(llvm::Intrinsic::x86_avx512_mask_compress, val, m);
          llvm::Align align(m_.getDataLayout().getTypeAllocSize(memory_type(i.dtype)));
          set_alias(b_.CreateMaskedStore(val, address(i), align, packed), i.buffer);
          break;
        }
        case loops::Inst::Kind::Op: {
          bool any = std::any_of(i.args.begin(), i.args.end(), [&](int a) { return vector.count(a) > 0; });
          if (!any) {
            inst(i);
            break;
          }
          std::map<int, llvm::Value*> scalar_args;
          for (int a : i.args)
            if (!vector.count(a) && !scalar_args.count(a)) {
              scalar_args[a] = scalars_.at(a);
              scalars_[a] = b_.CreateVectorSplat(width, scalars_.at(a));
            }
          llvm::Value* r = op(i);
          for (const auto& [a, s] : scalar_args) scalars_[a] = s;
          scalars_[i.result] = r;
          vector.insert(i.result);
          break;
        }
        default: inst(i); break;  // Const, Extent, Position and InRange of other loops: scalars
      }
    }
    // The values this vector defined live in its block only: the other
    // block of the loop defines its own.
    vars_ = saved_vars;
    scalars_ = saved_scalars;
    return count;
  }

  // Prefetches entries [col_lo, col_hi) of row `row` of a rank-2 buffer, when
  // that row is one the loop will reach (below `rows_end`) and `when` (if
  // given) holds; for writing (`write`) or reading.
  void prefetch_chunk(const std::string& buffer, llvm::Value* row, llvm::Value* rows_end, llvm::Value* col_lo,
                      llvm::Value* col_hi, bool write, llvm::Value* when) {
    const BufferInfo& buf = buffers_.at(buffer);
    llvm::Type* elem = memory_type(buf.dtype);
    std::int64_t step = std::max<std::int64_t>(1, 64 / static_cast<std::int64_t>(m_.getDataLayout().getTypeAllocSize(elem)));
    auto* go = llvm::BasicBlock::Create(ctx_, "prefetch", fn_);
    auto* header = llvm::BasicBlock::Create(ctx_, "prefetch.loop", fn_);
    auto* body = llvm::BasicBlock::Create(ctx_, "prefetch.body", fn_);
    auto* done = llvm::BasicBlock::Create(ctx_, "prefetch.done", fn_);
    llvm::Value* reach = b_.CreateICmpSLT(row, rows_end);
    b_.CreateCondBr(when ? b_.CreateAnd(reach, when) : reach, go, done);
    b_.SetInsertPoint(go);
    llvm::Value* base = b_.CreateMul(row, buf.strides[0]);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* c = b_.CreatePHI(b_.getInt64Ty(), 2, "prefetch.col");
    c->addIncoming(col_lo, go);
    b_.CreateCondBr(b_.CreateICmpSLT(c, col_hi), body, done);
    b_.SetInsertPoint(body);
    llvm::Value* at = b_.CreateInBoundsGEP(elem, buf.data, b_.CreateAdd(base, c));
    // llvm.prefetch(address, read 0 / write 1, locality 3 (keep in all levels), data cache)
    b_.CreateIntrinsic(llvm::Intrinsic::prefetch, {at->getType()},
                       {at, b_.getInt32(write ? 1 : 0), b_.getInt32(3), b_.getInt32(1)});
    c->addIncoming(b_.CreateAdd(c, b_.getInt64(step)), body);
    b_.CreateBr(header);
    b_.SetInsertPoint(done);
  }

  // for (var = lo; var < hi; var += step) body(), with vars_[var] the induction variable.
  template <typename Body>
  void loop(const std::string& var, llvm::Value* lo, llvm::Value* hi, Body&& body, bool vectorize = false,
            std::int64_t step = 1) {
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* header = llvm::BasicBlock::Create(ctx_, var + ".loop", fn_);
    auto* inner = llvm::BasicBlock::Create(ctx_, var + ".body", fn_);
    auto* exit = llvm::BasicBlock::Create(ctx_, var + ".exit", fn_);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* iv = b_.CreatePHI(b_.getInt64Ty(), 2, var);
    iv->addIncoming(lo, pre);
    b_.CreateCondBr(b_.CreateICmpSLT(iv, hi), inner, exit);
    b_.SetInsertPoint(inner);
    llvm::Value* saved = vars_.count(var) ? vars_[var] : nullptr;
    vars_[var] = iv;
    body();
    llvm::Value* next = b_.CreateAdd(iv, b_.getInt64(step), var + ".next", true, true);
    iv->addIncoming(next, b_.GetInsertBlock());
    llvm::BranchInst* latch = b_.CreateBr(header);
    if (vectorize) {
      llvm::Metadata* enable[] = {llvm::MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                                  llvm::ConstantAsMetadata::get(b_.getTrue())};
      auto tmp = llvm::MDNode::getTemporary(ctx_, {});
      llvm::Metadata* ops[] = {tmp.get(), llvm::MDNode::get(ctx_, enable)};
      llvm::MDNode* id = llvm::MDNode::getDistinct(ctx_, ops);
      id->replaceOperandWith(0, id);
      latch->setMetadata(llvm::LLVMContext::MD_loop, id);
    }
    b_.SetInsertPoint(exit);
    if (saved) vars_[var] = saved;
    else vars_.erase(var);
  }

  // Buffers do not overlap, except inputs with each other (the same tensor
  // may be passed twice), which are only read: the output and every scratch
  // buffer get their own alias scope, all read-only buffers share one. This
  // lets LLVM vectorize loops that gather (whose addresses it cannot bound
  // for run-time overlap checks) and drops those checks elsewhere.
  void alias_scopes(const std::vector<const loops::Buffer*>& all) {
    llvm::MDBuilder mdb(ctx_);
    llvm::MDNode* domain = mdb.createAnonymousAliasScopeDomain("b2m.buffers");
    llvm::MDNode* readonly = mdb.createAnonymousAliasScope(domain, "inputs");
    std::map<std::string, llvm::MDNode*> scope;
    for (const auto* b : all) scope[b->name] = readonly;
    std::vector<llvm::MDNode*> distinct_scopes = {readonly};
    std::vector<const loops::Buffer*> written = {&k_.output};
    for (const auto& o : k_.more_outputs) written.push_back(&o);
    for (const auto& a : k_.accumulators) written.push_back(&a);
    for (const auto* w : written) {
      scope[w->name] = mdb.createAnonymousAliasScope(domain, w->name);
      distinct_scopes.push_back(scope[w->name]);
    }
    for (const auto& [name, sc] : scope) {
      std::vector<llvm::Metadata*> others;
      for (auto* o : distinct_scopes)
        if (o != sc) others.push_back(o);
      scope_md_[name] = {llvm::MDNode::get(ctx_, {sc}), llvm::MDNode::get(ctx_, others)};
    }
  }

  void set_alias(llvm::Instruction* i, const std::string& buffer) {
    auto it = scope_md_.find(buffer);
    if (it == scope_md_.end()) return;
    i->setMetadata(llvm::LLVMContext::MD_alias_scope, it->second.first);
    i->setMetadata(llvm::LLVMContext::MD_noalias, it->second.second);
  }

  // Element pointer of a load/store, with the index made safe: guarded
  // indices (shift) are clamped into range, checked ones (gathers) set the
  // error flag when out of range.
  llvm::Value* address(const loops::Inst& i) {
    const BufferInfo& buf = buffers_.at(i.buffer);
    llvm::Value* offset = b_.getInt64(0);
    for (std::size_t j = 0; j < i.index.size(); ++j) {
      const loops::Index& ix = i.index[j];
      llvm::Value* v;
      if (ix.scalar >= 0) {
        v = b_.CreateSExtOrTrunc(scalars_.at(ix.scalar), b_.getInt64Ty());
        if (!ix.trusted) {
          llvm::Value* bad = b_.CreateOr(b_.CreateICmpSLT(v, b_.getInt64(0)), b_.CreateICmpSGE(v, buf.sizes[j]));
          record_error(bad);
          v = b_.CreateSelect(bad, b_.getInt64(0), v);
        }
      } else {
        v = vars_.at(ix.var);
        if (ix.offset != 0) {
          v = b_.CreateAdd(v, b_.getInt64(ix.offset));
          llvm::Value* bad = b_.CreateOr(b_.CreateICmpSLT(v, b_.getInt64(0)), b_.CreateICmpSGE(v, buf.sizes[j]));
          v = b_.CreateSelect(bad, b_.getInt64(0), v);
        }
      }
      offset = b_.CreateAdd(offset, b_.CreateMul(v, buf.strides[j]));
    }
    return b_.CreateInBoundsGEP(memory_type(buf.dtype), buf.data, offset);
  }

  void record_error(llvm::Value* bad) {
    llvm::Value* old = b_.CreateLoad(b_.getInt32Ty(), error_local_);
    b_.CreateStore(b_.CreateOr(old, b_.CreateZExt(bad, b_.getInt32Ty())), error_local_);
  }

  llvm::Value* unary_intrinsic(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateUnaryIntrinsic(id, x);
  }

  void inst(const loops::Inst& i) {
    using K = loops::Inst::Kind;
    switch (i.kind) {
      case K::Load: {
        llvm::LoadInst* ld = b_.CreateLoad(memory_type(i.dtype), address(i));
        set_alias(ld, i.buffer);
        llvm::Value* v = ld;
        if (i.dtype == DType::Bool) v = b_.CreateICmpNE(v, b_.getInt8(0));
        scalars_[i.result] = v;
        return;
      }
      case K::Store: {
        llvm::Value* v = scalars_.at(i.args[0]);
        if (i.dtype == DType::Bool) v = b_.CreateZExt(v, b_.getInt8Ty());
        set_alias(b_.CreateStore(v, address(i)), i.buffer);
        return;
      }
      case K::Const: {
        llvm::Type* t = type_of(i.dtype);
        if (i.dtype == DType::Bool) scalars_[i.result] = b_.getInt1(i.value.kind == ir::Attr::Kind::Bool ? i.value.b : i.value.as_number() != 0);
        else if (is_float(i.dtype)) scalars_[i.result] = llvm::ConstantFP::get(t, i.value.as_number());
        else scalars_[i.result] = llvm::ConstantInt::get(t, i.value.kind == ir::Attr::Kind::Int ? i.value.i : static_cast<std::int64_t>(i.value.as_number()), true);
        return;
      }
      case K::InRange: {
        const loops::Index& ix = i.index.at(0);
        llvm::Value* v = b_.CreateAdd(vars_.at(ix.var), b_.getInt64(ix.offset));
        scalars_[i.result] = b_.CreateAnd(b_.CreateICmpSGE(v, b_.getInt64(0)), b_.CreateICmpSLT(v, extents_.at(i.buffer)));
        return;
      }
      case K::Position: scalars_[i.result] = vars_.at(i.buffer); return;
      case K::Extent: scalars_[i.result] = b_.CreateSIToFP(extents_.at(i.buffer), b_.getDoubleTy()); return;
      case K::Op: scalars_[i.result] = op(i); return;
    }
  }

  llvm::Value* op(const loops::Inst& i) {
    auto arg = [&](int k) { return scalars_.at(i.args.at(k)); };
    llvm::Value* a = i.args.empty() ? nullptr : arg(0);
    bool flt = a && a->getType()->isFPOrFPVectorTy();
    switch (i.op) {
      case OpId::Neg: return flt ? b_.CreateFNeg(a) : b_.CreateNeg(a);
      case OpId::Abs:
        return flt ? unary_intrinsic(llvm::Intrinsic::fabs, a)
                   : b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, a, b_.getFalse());
      case OpId::Sign: {
        llvm::Value* zero = flt ? llvm::ConstantFP::get(a->getType(), 0.0) : llvm::ConstantInt::get(a->getType(), 0);
        llvm::Value* one = flt ? llvm::ConstantFP::get(a->getType(), 1.0) : llvm::ConstantInt::get(a->getType(), 1);
        llvm::Value* mone = flt ? llvm::ConstantFP::get(a->getType(), -1.0) : llvm::ConstantInt::get(a->getType(), -1, true);
        llvm::Value* pos = flt ? b_.CreateFCmpOGT(a, zero) : b_.CreateICmpSGT(a, zero);
        llvm::Value* neg = flt ? b_.CreateFCmpOLT(a, zero) : b_.CreateICmpSLT(a, zero);
        // sign(NaN) is NaN, as in numpy.
        llvm::Value* s = b_.CreateSelect(pos, one, b_.CreateSelect(neg, mone, flt ? b_.CreateFMul(a, zero) : zero));
        return s;
      }
      case OpId::Exp: return unary_intrinsic(llvm::Intrinsic::exp, a);
      case OpId::Log: return unary_intrinsic(llvm::Intrinsic::log, a);
      case OpId::Sqrt: return unary_intrinsic(llvm::Intrinsic::sqrt, a);
      case OpId::Sin: return unary_intrinsic(llvm::Intrinsic::sin, a);
      case OpId::Cos: return unary_intrinsic(llvm::Intrinsic::cos, a);
      case OpId::Tanh: return unary_intrinsic(llvm::Intrinsic::tanh, a);
      case OpId::Floor: return unary_intrinsic(llvm::Intrinsic::floor, a);
      case OpId::Ceil: return unary_intrinsic(llvm::Intrinsic::ceil, a);
      case OpId::Round: return unary_intrinsic(llvm::Intrinsic::roundeven, a);  // half to even, as numpy
      case OpId::IsNan: return b_.CreateFCmpUNO(a, a);
      case OpId::Not: return b_.CreateNot(a);
      case OpId::Cast: return cast(a, i.dtype);
      case OpId::Add: return flt ? b_.CreateFAdd(a, arg(1)) : b_.CreateAdd(a, arg(1));
      case OpId::Sub: return flt ? b_.CreateFSub(a, arg(1)) : b_.CreateSub(a, arg(1));
      case OpId::Mul: return flt ? b_.CreateFMul(a, arg(1)) : b_.CreateMul(a, arg(1));
      case OpId::Div:
      case OpId::Mod: {
        llvm::Value* d = arg(1);
        if (flt) {
          if (i.op == OpId::Div) return b_.CreateFDiv(a, d);
          return floor_mod(b_.CreateFRem(a, d), d, true);
        }
        // Integer division by zero is bad data, not undefined behaviour
        // (and INT_MIN / -1 is kept defined by dividing by 1 instead).
        llvm::Value* zero = llvm::ConstantInt::get(d->getType(), 0);
        llvm::Value* bad = b_.CreateICmpEQ(d, zero);
        record_error(bad);
        llvm::Value* minus1 = b_.CreateICmpEQ(d, llvm::ConstantInt::get(d->getType(), -1, true));
        llvm::Value* safe = b_.CreateSelect(b_.CreateOr(bad, minus1), llvm::ConstantInt::get(d->getType(), 1), d);
        if (i.op == OpId::Div) {
          // Floor division, as numpy's // on integers.
          llvm::Value* q = b_.CreateSDiv(a, safe);
          llvm::Value* r = b_.CreateSRem(a, safe);
          llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero),
                                             b_.CreateICmpNE(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(safe, zero)));
          q = b_.CreateSub(q, b_.CreateZExt(adjust, q->getType()));
          return b_.CreateSelect(minus1, b_.CreateNeg(a), q);
        }
        llvm::Value* r = floor_mod(b_.CreateSRem(a, safe), safe, false);
        return b_.CreateSelect(minus1, zero, r);
      }
      case OpId::Pow: return b_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, a, arg(1));
      // NaN-propagating, as numpy.minimum/maximum.
      case OpId::Min:
        return flt ? b_.CreateBinaryIntrinsic(llvm::Intrinsic::minimum, a, arg(1))
                   : b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, a, arg(1));
      case OpId::Max:
        return flt ? b_.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, a, arg(1))
                   : b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, a, arg(1));
      case OpId::Eq: return flt ? b_.CreateFCmpOEQ(a, arg(1)) : b_.CreateICmpEQ(a, arg(1));
      case OpId::Ne: return flt ? b_.CreateFCmpUNE(a, arg(1)) : b_.CreateICmpNE(a, arg(1));
      case OpId::Lt: return flt ? b_.CreateFCmpOLT(a, arg(1)) : b_.CreateICmpSLT(a, arg(1));
      case OpId::Le: return flt ? b_.CreateFCmpOLE(a, arg(1)) : b_.CreateICmpSLE(a, arg(1));
      case OpId::Gt: return flt ? b_.CreateFCmpOGT(a, arg(1)) : b_.CreateICmpSGT(a, arg(1));
      case OpId::Ge: return flt ? b_.CreateFCmpOGE(a, arg(1)) : b_.CreateICmpSGE(a, arg(1));
      case OpId::And: return b_.CreateAnd(a, arg(1));
      case OpId::Or: return b_.CreateOr(a, arg(1));
      case OpId::Select: return b_.CreateSelect(a, arg(1), arg(2));
      default: B2M_ICE(std::string("no CPU lowering for scalar op '") + op_info(i.op).name + "'");
    }
  }

  // The remainder with the divisor's sign (numpy's %, Python's floor mod):
  // C's remainder r, plus the divisor when their signs differ.
  llvm::Value* floor_mod(llvm::Value* r, llvm::Value* d, bool flt) {
    llvm::Type* t = r->getType();
    llvm::Value* zero = flt ? llvm::ConstantFP::get(t, 0.0) : llvm::ConstantInt::get(t, 0);
    llvm::Value* nonzero = flt ? b_.CreateFCmpONE(r, zero) : b_.CreateICmpNE(r, zero);
    llvm::Value* rneg = flt ? b_.CreateFCmpOLT(r, zero) : b_.CreateICmpSLT(r, zero);
    llvm::Value* dneg = flt ? b_.CreateFCmpOLT(d, zero) : b_.CreateICmpSLT(d, zero);
    llvm::Value* fix = b_.CreateAnd(nonzero, b_.CreateICmpNE(rneg, dneg));
    llvm::Value* sum = flt ? b_.CreateFAdd(r, d) : b_.CreateAdd(r, d);
    return b_.CreateSelect(fix, sum, r);
  }

  // Scalars or vectors (compressed lanes) alike.
  llvm::Value* cast(llvm::Value* a, DType to) {
    llvm::Type* t = type_of(to);
    llvm::Type* from = a->getType();
    if (auto* vt = llvm::dyn_cast<llvm::VectorType>(from)) t = llvm::VectorType::get(t, vt->getElementCount());
    if (from == t) return a;
    if (to == DType::Bool)
      return from->isFPOrFPVectorTy() ? b_.CreateFCmpUNE(a, llvm::ConstantFP::get(from, 0.0))
                                      : b_.CreateICmpNE(a, llvm::ConstantInt::get(from, 0));
    if (from->isIntOrIntVectorTy(1)) return t->isFPOrFPVectorTy() ? b_.CreateUIToFP(a, t) : b_.CreateZExt(a, t);
    if (from->isFPOrFPVectorTy() && t->isFPOrFPVectorTy()) return b_.CreateFPCast(a, t);
    // Saturating: out-of-range values clamp and NaN becomes 0, instead of
    // LLVM's poison for a plain fptosi.
    if (from->isFPOrFPVectorTy())
      return b_.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {t, from}, {a});
    if (t->isFPOrFPVectorTy()) return b_.CreateSIToFP(a, t);
    return b_.CreateSExtOrTrunc(a, t);
  }

  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const loops::Kernel& k_;
  bool compressed_lanes_;  // the target has AVX-512 F and VL, and the option is on
  llvm::Function* fn_ = nullptr;
  llvm::Value *begin_ = nullptr, *end_ = nullptr, *error_ = nullptr, *error_local_ = nullptr;
  std::map<std::string, BufferInfo> buffers_;
  std::map<std::string, std::pair<llvm::MDNode*, llvm::MDNode*>> scope_md_;  // alias.scope, noalias
  std::map<std::string, llvm::Value*> extents_;
  std::map<std::string, llvm::Value*> box_lo_, box_hi_;  // per loop dimension: this call's bounds
  std::map<std::string, llvm::Value*> vars_;
  std::map<int, llvm::Value*> scalars_;
  std::string parallel_var_;
};

// The globals an executable's main reads: the IR and source texts and the
// kernel table.
void add_executable_globals(llvm::Module& m, const std::vector<loops::Kernel>& kernels,
                            const ExecutableText& exe) {
  llvm::LLVMContext& ctx = m.getContext();
  for (const auto& [name, value] : {std::pair{"b2m_pipeline_ir", &exe.ir}, {"b2m_pipeline_sources", &exe.sources}}) {
    auto* text = llvm::ConstantDataArray::getString(ctx, *value, true);
    new llvm::GlobalVariable(m, text->getType(), true, llvm::GlobalValue::ExternalLinkage, text, name);
  }
  auto* ptr = llvm::PointerType::getUnqual(ctx);
  auto* entry = llvm::StructType::get(ctx, {ptr, ptr});
  std::vector<llvm::Constant*> entries;
  for (const auto& k : kernels) {
    auto* name = llvm::ConstantDataArray::getString(ctx, k.name, true);
    auto* gname = new llvm::GlobalVariable(m, name->getType(), true, llvm::GlobalValue::PrivateLinkage, name,
                                           "kernel.name");
    entries.push_back(llvm::ConstantStruct::get(entry, {gname, m.getFunction(kernel_symbol(k.name))}));
  }
  auto* arr_t = llvm::ArrayType::get(entry, entries.size());
  new llvm::GlobalVariable(m, arr_t, true, llvm::GlobalValue::ExternalLinkage, llvm::ConstantArray::get(arr_t, entries),
                           "b2m_kernel_table");
  auto* i64 = llvm::Type::getInt64Ty(ctx);
  new llvm::GlobalVariable(m, i64, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i64, entries.size()), "b2m_kernel_count");
}

std::unique_ptr<llvm::Module> build_module(llvm::LLVMContext& ctx, const std::vector<loops::Kernel>& kernels,
                                           llvm::TargetMachine& tm, const CodegenOptions& opts,
                                           const ExecutableText* exe = nullptr) {
  const int opt_level = opts.opt_level;
  auto m = std::make_unique<llvm::Module>("b2m_kernels", ctx);
  m->setTargetTriple(tm.getTargetTriple().str());
  m->setDataLayout(tm.createDataLayout());
  // Compressed lanes need the vector compress and expand of AVX-512 (F for
  // 512-bit vectors, VL for narrower ones: f32 lanes next to f64 ones).
  std::string features = tm.getTargetFeatureString().str();
  bool lanes = opts.compressed_lanes && features.find("+avx512f") != std::string::npos &&
               features.find("+avx512vl") != std::string::npos;
  for (const auto& k : kernels) KernelEmitter(*m, k, lanes).run();
  if (exe) add_executable_globals(*m, kernels, *exe);
  std::string err;
  llvm::raw_string_ostream es(err);
  if (llvm::verifyModule(*m, &es)) B2M_ICE("generated LLVM IR is invalid: " + es.str());
  if (opt_level > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions pto;
    pto.LoopVectorization = true;
    pto.SLPVectorization = true;
    llvm::PassBuilder pb(&tm, pto);
    // glibc's libmvec gives vector versions of exp, log, sin, cos, pow, tanh...
    // so loops calling them vectorize too (registered before the defaults).
    llvm::TargetLibraryInfoImpl tlii(llvm::Triple(m->getTargetTriple()));
    tlii.addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86, llvm::Triple(m->getTargetTriple()));
    fam.registerPass([&] { return llvm::TargetLibraryAnalysis(tlii); });
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    auto level = opt_level >= 3 ? llvm::OptimizationLevel::O3
                 : opt_level == 2 ? llvm::OptimizationLevel::O2 : llvm::OptimizationLevel::O1;
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
    mpm.run(*m, mam);
  }
  return m;
}

}  // namespace

std::string emit_llvm(const std::vector<loops::Kernel>& kernels, const CodegenOptions& opts) {
  llvm::LLVMContext ctx;
  auto tm = host_machine(opts.opt_level);
  auto m = build_module(ctx, kernels, *tm, opts);
  std::string s;
  llvm::raw_string_ostream os(s);
  m->print(os, nullptr);
  return os.str();
}

namespace {
bool emit_file(const std::vector<loops::Kernel>& kernels, llvm::raw_pwrite_stream& out, llvm::CodeGenFileType type,
               std::string* error, const CodegenOptions& opts, const ExecutableText* exe = nullptr) {
  llvm::LLVMContext ctx;
  auto tm = host_machine(opts.opt_level);
  auto m = build_module(ctx, kernels, *tm, opts, exe);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, out, nullptr, type)) {
    if (error) *error = "the host target cannot emit this file type";
    return false;
  }
  pm.run(*m);
  return true;
}
}  // namespace

std::string emit_asm(const std::vector<loops::Kernel>& kernels, const CodegenOptions& opts) {
  llvm::SmallString<0> buf;
  llvm::raw_svector_ostream os(buf);
  std::string err;
  if (!emit_file(kernels, os, llvm::CodeGenFileType::AssemblyFile, &err, opts)) B2M_ICE(err);
  return std::string(buf.str());
}

bool emit_object(const std::vector<loops::Kernel>& kernels, const std::string& path, std::string* error,
                 const CodegenOptions& opts, const ExecutableText* executable) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    if (error) *error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  return emit_file(kernels, out, llvm::CodeGenFileType::ObjectFile, error, opts, executable);
}

struct JitKernels::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
};

JitKernels::JitKernels() : impl_(std::make_unique<Impl>()) {}
JitKernels::~JitKernels() = default;

std::unique_ptr<JitKernels> JitKernels::compile(const std::vector<loops::Kernel>& kernels, std::string* error,
                                                const CodegenOptions& opts) {
  init_llvm();
  // Vectorized math calls resolve to glibc's libmvec: make sure it is loaded.
  std::string lib_err;
  if (llvm::sys::DynamicLibrary::LoadLibraryPermanently("libmvec.so.1", &lib_err)) {
    if (error) *error = "cannot load libmvec.so.1 (glibc's vector math library): " + lib_err;
    return nullptr;
  }
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) {
    if (error) *error = llvm::toString(jit.takeError());
    return nullptr;
  }
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto tm = host_machine(opts.opt_level);
  auto m = build_module(*ctx, kernels, *tm, opts);
  m->setDataLayout((*jit)->getDataLayout());
  if (auto err = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(std::move(m), std::move(ctx)))) {
    if (error) *error = llvm::toString(std::move(err));
    return nullptr;
  }
  // Kernels call libm (tanhf, powf...): resolve symbols from this process.
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess((*jit)->getDataLayout().getGlobalPrefix());
  if (!gen) {
    if (error) *error = llvm::toString(gen.takeError());
    return nullptr;
  }
  (*jit)->getMainJITDylib().addGenerator(std::move(*gen));
  std::unique_ptr<JitKernels> out(new JitKernels());
  out->impl_->jit = std::move(*jit);
  return out;
}

KernelFn JitKernels::lookup(const std::string& kernel_name) const {
  auto sym = impl_->jit->lookup(kernel_symbol(kernel_name));
  if (!sym) {
    llvm::consumeError(sym.takeError());
    return nullptr;
  }
  return sym->toPtr<KernelFn>();
}

}  // namespace b2m::cpu
