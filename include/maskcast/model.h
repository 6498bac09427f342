/**
 * @file maskcast/model.h
 * @brief The forecasting model: options, training (as steps, with
 * progress and cancellation), forecasting, and model files.
 *
 * The network (DESIGN.md §4): a shared feature mapping applied to the raw and
 * to the anomaly-masked input; an anomaly mask with one weight per past value;
 * a separate attention mask per horizon over the hidden features; one output
 * head per horizon with Q quantile outputs; a linear skip over the masked
 * target lags. Training uses AdamW with gradient clipping, a warm-up and
 * cosine learning-rate schedule, a time-ordered validation tail separated
 * from the training span by H steps, early stopping that restores the best
 * weights, and anomaly augmentation of the past target values.
 *
 * Typical use:
 *
 *     mc_model_options mo;  mc_model_options_defaults(&mo);
 *     mc_train_options to;  mc_train_options_defaults(&to);
 *     mc_model *model = NULL;
 *     if (mc_model_train(&model, frame, &mo, &to, &err) != MC_OK) { ... }
 *     mc_model_save(model, "load.safetensors", &err);
 *     mc_model_free(model);
 *
 * Thread safety: a trainer is used by one thread at a time. A model is
 * read-only once trained or loaded: many threads may forecast from one model
 * at once, each with its own mc_forecaster.
 */
#ifndef MASKCAST_MODEL_H
#define MASKCAST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/frame.h"
#include "maskcast/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The activation of the network's hidden layers. */
typedef enum mc_activation {
    MC_ACTIVATION_RELU = 0,
    MC_ACTIVATION_GELU = 1 /**< exact x * Phi(x) */
} mc_activation;

/** How each horizon's mask over the hidden features is formed. */
typedef enum mc_mask_kind {
    MC_MASK_SIGMOID = 0, /**< a_k = sigmoid(h W_a,k + b_a,k), each weight in (0, 1) */
    MC_MASK_SOFTMAX = 1  /**< a_k = D * softmax(h W_a,k + b_a,k), weights with mean 1 */
} mc_mask_kind;

/** Temporal attention over the lookback (docs/MODEL.md): for each forecast
   step a query attends over the L past steps, and the context it reads joins
   that step's head. */
typedef enum mc_temporal_kind {
    MC_TEMPORAL_NONE = 0,   /**< no temporal attention (the default) */
    MC_TEMPORAL_GLOBAL = 1, /**< over all L past steps */
    MC_TEMPORAL_LOCAL = 2   /**< over a window of temporal_width steps around a centre
                                 predicted per step (Luong's local-p) */
} mc_temporal_kind;

/** How the temporal attention's query scores a past step's key. */
typedef enum mc_temporal_score {
    MC_SCORE_DOT = 0,        /**< q . k */
    MC_SCORE_SCALED_DOT = 1, /**< q . k / sqrt(d) */
    MC_SCORE_COSINE = 2,     /**< g cos(q, k), g a learned temperature */
    MC_SCORE_MLP = 3         /**< additive: v . tanh(q + k) */
} mc_temporal_score;

/** The training loss. */
typedef enum mc_loss_kind {
    MC_LOSS_MAE = 0,
    MC_LOSS_MSE = 1,
    MC_LOSS_HUBER = 2,
    MC_LOSS_PINBALL = 3 /**< over the quantile levels in mc_model_options */
} mc_loss_kind;

/** Most quantile levels a model has. */
#define MC_MAX_QUANTILES 16
/** Most past covariates, and most known-future covariates, a model has. */
#define MC_MAX_COVARIATES 32

/** horizon_rank: the full per-horizon masks (H*D^2 weights) up to this many
   steps, horizon embeddings of rank MC_HORIZON_RANK_DEFAULT beyond. */
#define MC_HORIZON_RANK_AUTO ((size_t)-1)
/** The longest horizon with full per-horizon masks under MC_HORIZON_RANK_AUTO. */
#define MC_HORIZON_FULL_MAX 48
/** The rank of the horizon embeddings beyond it under MC_HORIZON_RANK_AUTO. */
#define MC_HORIZON_RANK_DEFAULT 16
/** The largest temporal_dim a model accepts. */
#define MC_TEMPORAL_DIM_MAX 1024
/** The largest horizon_rank a model accepts. */
#define MC_HORIZON_RANK_MAX 4096

/** The window: how far back the model reads and how far ahead it forecasts. */
typedef struct mc_window_options {
    size_t lookback;           /**< L, in steps (default 168: a week of hours) */
    size_t horizon;            /**< H, in steps (default 24) */
} mc_window_options;

/** What the model sees besides the load. */
typedef struct mc_feature_options {
    bool calendar;             /**< calendar channels of each target time (default true) */
    bool normalize_level;      /**< subtract the last day's mean of the load (default true) */
    size_t level_steps;        /**< steps averaged for that level: 0 = one day (default), 1 = the
                                  last value; at most one day */
    const char *const *past;   /**< frame columns used as past inputs (e.g. measured temperature) */
    size_t n_past;             /**< entries in past */
    const char *const *future; /**< frame columns known at the target times (forecast temperature) */
    size_t n_future;           /**< entries in future */
    const int64_t *holidays;   /**< holiday dates as days since 1970-01-01 (any order, repeats
                                  allowed), e.g. from mc_holidays_read(); NULL when none */
    size_t n_holidays;         /**< entries in holidays */
} mc_feature_options;

/** The network (DESIGN.md §4, docs/MODEL.md). */
typedef struct mc_network_options {
    size_t hidden;             /**< D (default 64) */
    mc_activation activation;  /**< default ReLU */
    mc_mask_kind mask_kind;    /**< default sigmoid */
    bool anomaly_mask;         /**< default true; false is the "no anomaly mask" ablation */
    bool horizon_masks;        /**< default true; false is the "no per-horizon masks" ablation */
    size_t horizon_rank;       /**< 0: each horizon's mask from its own D x D weights (W_a);
                                  r > 0: from a learned horizon embedding of rank r,
                                  a_k = sigmoid(phi(h U + e_k) W2 + b_a,k), parameters
                                  growing as H*(r + D) instead of H*D^2 (docs/MODEL.md).
                                  Default MC_HORIZON_RANK_AUTO: 0 for horizons up to
                                  MC_HORIZON_FULL_MAX steps, else MC_HORIZON_RANK_DEFAULT */
    bool skip;                 /**< default true: linear skip over the masked target lags */
    bool mask_local;           /**< the anomaly mask also sees each value's deviation from its
                                  neighbours (docs/MODEL.md; default true) */
    double mask_penalty;       /**< lambda: training adds lambda * mean(1 - m), so the mask
                                  stays open unless closing pays (default 0.1) */
    size_t mask_topk;          /**< hard per-horizon masks: keep each mask's k largest weights,
                                  zero the rest (trained straight-through); 0, the default:
                                  soft masks */
    size_t anomaly_topk;       /**< a hard anomaly mask: keep the k largest of the L x Cp
                                  weights of each window, zero the rest; 0 (default): soft */
    mc_temporal_kind temporal; /**< temporal attention over the lookback (default none) */
    mc_temporal_score temporal_score; /**< its score function (default scaled dot) */
    size_t temporal_dim;       /**< its query, key and value width d (default 16) */
    size_t temporal_width;     /**< local attention's window in steps; 0 (default): a day */
    bool future_terms;         /**< default true: the skip's known-future term, a linear map
                                  of a fixed basis of each target step's calendar and
                                  known-future inputs (hour, weekday, season, holiday flags,
                                  piecewise-linear covariates such as temperature) into its
                                  forecast; the linear forecaster fits it with the skip
                                  (docs/MODEL.md) */
    bool blend;                /**< set by training, never by the caller (training refuses
                                  it): the model's forecasts blend the network's with the
                                  linear forecaster's, one weight per step (tensors linear.*
                                  and blend.w; docs/MODEL.md) */
    size_t members;            /**< set by mc_model_ensemble(), never by the caller (training
                                  refuses more than 1): the networks the model averages; 1, the
                                  default (0 also means one) */
} mc_network_options;

/** The training loss. */
typedef struct mc_loss_options {
    mc_loss_kind kind;         /**< default MAE */
    double huber_delta;        /**< Huber's threshold in scaled units (default 1) */
    size_t n_quantiles;        /**< pinball: 1..MC_MAX_QUANTILES levels (default 3) */
    double quantiles[MC_MAX_QUANTILES]; /**< increasing, in (0, 1), also once rounded to float
                                           (kept so) (default 0.1, 0.5, 0.9) */
} mc_loss_options;

/** The model's window, inputs, network and loss, grouped by concern; fill
   with mc_model_options_defaults(), then set fields directly or by name with
   mc_model_options_set(). Training's own options are mc_train_options. */
typedef struct mc_model_options {
    mc_window_options window;     /**< lookback and horizon */
    mc_feature_options features;  /**< calendar, level, covariates, holidays */
    mc_network_options network;   /**< the network's blocks and sizes */
    mc_loss_options loss;         /**< the training loss */
} mc_model_options;

/** Fills `opt` (not NULL) with the defaults described above. The arrays and
   strings an options struct points to belong to the caller and are only read
   during the call they are passed to. Thread-safe. */
MC_API void mc_model_options_defaults(mc_model_options *opt);

/** What a progress callback sees; filled after every batch and every epoch. */
typedef struct mc_train_progress {
    size_t epoch;          /**< 1-based epoch in progress */
    size_t max_epochs;     /**< mc_train_options.max_epochs */
    size_t batch;          /**< batches done in this epoch */
    size_t batches;        /**< batches per epoch */
    double train_loss;     /**< mean training loss of this epoch so far (scaled units) */
    double val_loss;       /**< validation loss after the last finished epoch (NAN before) */
    double best_val_loss;  /**< the best so far */
    size_t best_epoch;     /**< the epoch of best_val_loss */
    double seconds;        /**< since mc_trainer_init */
    bool epoch_done;       /**< this call closes an epoch */
} mc_train_progress;

/** Return false to cancel training (the step then returns MC_ERR_CANCELLED). */
typedef bool (*mc_progress_fn)(const mc_train_progress *progress, void *user);

/** The most members an ensemble model holds (mc_model_ensemble()). */
#define MC_MAX_MEMBERS 64

/**
 * Element-wise sums across the processes of a data-parallel run (MPI ranks,
 * or threads in a test), for training and backtests spread over several
 * processes; the library itself knows nothing of MPI. Every process calls
 * the same sums in the same order with the same n; each sum replaces v (n
 * values) on every process by the sum over all processes' v, the same bits
 * on every process, so that every process makes the same model. A sum in a
 * fixed order (rank 0 + rank 1 + ...) makes runs with the same rank count
 * bit-identical. A callback returns false on failure; the library call then
 * fails with MC_ERR_IO, and the other processes must be stopped by the
 * caller (they wait in their next sum). The `maskcast` command makes one over
 * MPI_COMM_WORLD when built with -DMC_MPI=ON (docs/SCALING.md).
 */
typedef struct mc_collective {
    size_t rank;  /**< this process, 0 .. ranks-1 */
    size_t ranks; /**< processes taking part; 1 (or a NULL collective): one process */
    bool (*sum_float)(float *v, size_t n, void *user);   /**< sums n floats in place */
    bool (*sum_double)(double *v, size_t n, void *user); /**< sums n doubles in place */
    void *user;   /**< passed to both callbacks */
} mc_collective;

/** Options for training; fill with mc_train_options_defaults(). */
typedef struct mc_train_options {
    size_t max_epochs;          /**< default 60 */
    size_t batch_size;          /**< default 256 */
    size_t patience;            /**< epochs without a better validation loss before stopping (8) */
    size_t samples_per_epoch;   /**< 0: every training origin each epoch (default) */
    size_t origin_stride;       /**< training origins every this many steps (default 1) */
    double learning_rate;       /**< peak (default 1e-3) */
    double weight_decay;        /**< AdamW, weight matrices only (default 1e-4) */
    double clip_norm;           /**< global gradient-norm clip; 0 disables (default 1) */
    double warmup_fraction;     /**< of all steps, linear warm-up (default 0.02) */
    double validation_fraction; /**< time-ordered tail of the origins (default 0.1) */
    double augment_probability; /**< chance a sample's past load is corrupted (default 0.5) */
    bool linear_candidate;      /**< also fit the linear forecaster (ridge on the load lags,
                                     in closed form) and keep it unless the network beats it on
                                     validation by more than one standard error (true); only for
                                     point models with a skip and a validation tail */
    uint64_t seed;              /**< default 1; the same seed gives the same model */
    size_t train_rows;          /**< use rows [0, train_rows) of the frame; 0 = all */
    mc_progress_fn progress;    /**< may be NULL */
    void *progress_user;        /**< passed to progress */
    double time_limit;          /**< seconds since mc_trainer_init() that training may take:
                                     no epoch starts that would end past it, judged by the
                                     epochs so far (the first always runs); 0 (default): no
                                     limit. A limit makes the model depend on the machine's
                                     speed. */
    const mc_collective *collective; /**< NULL (default): one process. Else data-parallel
                                     training: every process calls the same training with the
                                     same data and options, each runs the forward and backward
                                     passes of its contiguous share of every batch, and the
                                     gradients are summed with the collective before the step,
                                     so that every process holds the same model (equal to the
                                     one-process model within rounding). Validation, the linear
                                     forecaster and the calibration run whole on every process.
                                     Progress callbacks must answer alike on every process. */
} mc_train_options;

/** Fills `opt` (not NULL) with the defaults described above. Thread-safe. */
MC_API void mc_train_options_defaults(mc_train_options *opt);

/**
 * @name Options by name
 * One table describes every model and training option: its name (the key
 * in model files, in `maskcast inspect --json` and in the Python module; the
 * command line spells it with dashes, see mc_option_info.cli), its group,
 * type, default, range and help. Programs that take options as text (a
 * command line, a configuration file, another language) set them by name.
 */
/** @{ */
/** The type of an option's value. */
typedef enum mc_option_type {
    MC_OPTION_COUNT = 0,  /**< a whole number, written in decimal digits */
    MC_OPTION_REAL = 1,   /**< a real number */
    MC_OPTION_FLAG = 2,   /**< true or false */
    MC_OPTION_CHOICE = 3, /**< one of mc_option_info.choices */
    MC_OPTION_LEVELS = 4, /**< increasing reals in (0, 1), comma-separated */
    MC_OPTION_NAMES = 5,  /**< column names (set through the struct: mc_feature_options) */
    MC_OPTION_DATES = 6,  /**< dates (set through the struct: mc_feature_options) */
    MC_OPTION_FACT = 7    /**< not an option: a fact of a model taken from its data (e.g. the
                               step), shown beside the options; read only */
} mc_option_type;

/** The groups, in the order help lists them. */
typedef enum mc_option_group {
    MC_GROUP_WINDOW = 0,
    MC_GROUP_FEATURES = 1,
    MC_GROUP_NETWORK = 2,
    MC_GROUP_LOSS = 3,
    MC_GROUP_TRAINING = 4 /**< mc_train_options */
} mc_option_group;

/** One option's description; static, read-only. */
typedef struct mc_option_info {
    const char *name;          /**< "lookback", "mask_kind", "max_epochs" */
    const char *cli;           /**< its command-line spelling without "--": "lookback", "mask",
                                  "epochs"; for a flag whose default is true, the switch that
                                  turns it off ("no-skip"); NULL when not on the command line */
    mc_option_group group;     /**< where help lists it */
    mc_option_type type;       /**< what its value is */
    const char *const *choices; /**< MC_OPTION_CHOICE: n_choices names, in enum order */
    size_t n_choices;          /**< entries in choices */
    const char *keyword;       /**< a word a count also takes ("auto"), or NULL */
    double min;                /**< the smallest count or real allowed */
    double max;                /**< the largest (inclusive) */
    const char *metavar;       /**< what --help shows for the value ("STEPS") */
    const char *default_text;  /**< the default as text */
    const char *expect;        /**< what a valid value is, for messages ("a count of steps") */
    const char *help;          /**< one or two sentences for --help */
} mc_option_info;

/** Number of entries in the table (options and facts). Thread-safe. */
MC_API size_t mc_option_count(void);

/** Entry i (NULL when i >= mc_option_count()). The pointer is static. */
MC_API const mc_option_info *mc_option_at(size_t i);

/** The entry named `name` (its name, or its command-line spelling), or NULL. */
MC_API const mc_option_info *mc_option_find(const char *name);

/**
 * Sets option `name` from text: counts in decimal digits only (no sign, no
 * blank), reals as strtod reads them with no leading blank, flags "true" /
 * "false" (also "1" / "0"), choices by name, levels comma-separated. Checks
 * the option's range; on failure leaves the options unchanged and returns
 * MC_ERR_ARGUMENT with a message naming the option and the value. Training
 * options go to `to`, the others to `mo`; either may be NULL when no option
 * of its kind is set. Names, dates and facts cannot be set by text.
 */
MC_API mc_status mc_options_set(mc_model_options *mo, mc_train_options *to, const char *name,
                                const char *value, mc_error *err);

/**
 * Writes option `name`'s value as text into buf (size bytes, always
 * terminated): "168", "relu", "true", "0.1,0.5,0.9"; reals shortest
 * round-trip. Returns MC_ERR_ARGUMENT for an unknown name or a name, date
 * or fact entry, or when buf is too small. Either struct may be
 * NULL when the option is not of its kind.
 */
MC_API mc_status mc_options_get(const mc_model_options *mo, const mc_train_options *to,
                                const char *name, char *buf, size_t size, mc_error *err);
/** @} */

/** Training in progress, run step by step (opaque). */
typedef struct mc_trainer mc_trainer;
/** A trained or loaded model (opaque; read-only once made). */
typedef struct mc_model mc_model;

/**
 * Prepares training on `frame` (regularised; column 0 the target). Fits the
 * scalers on the training span, splits origins into training and a
 * validation tail, initialises the network and, with `to->linear_candidate`,
 * fits the linear forecaster (a point model with a skip and a validation
 * tail only; docs/MODEL.md). The frame must stay alive and
 * unchanged until mc_trainer_free(). The options are copied (`to->
 * progress_user` is kept and must stay valid while the trainer steps). On
 * success stores a trainer the caller frees with mc_trainer_free(); on
 * failure stores NULL. `out`, `frame`, `mo` and `to` must not be NULL; `err`
 * may be. Trainers on distinct frames may train in distinct threads at once
 * (each uses OpenBLAS's threads inside its products: see
 * mc_set_blas_threads()).
 */
MC_API mc_status mc_trainer_init(mc_trainer **out, const mc_frame *frame,
                                 const mc_model_options *mo, const mc_train_options *to,
                                 mc_error *err);

/** Runs one epoch and evaluates it; sets *done when training has finished
   (early stopping, or the last epoch). Does not allocate. Returns
   MC_ERR_CANCELLED when the progress callback returned false (the trainer
   stays usable: mc_trainer_model() gives the model chosen so far), and
   MC_ERR_DIVERGED when the loss is not finite. `t` and `done` must not be
   NULL. One thread at a time per trainer. */
MC_API mc_status mc_trainer_step(mc_trainer *t, bool *done, mc_error *err);

/** Stores the validation loss of the current weights in *val_loss (not NULL;
   NAN without a validation tail). One thread at a time per trainer. */
MC_API mc_status mc_trainer_evaluate(mc_trainer *t, double *val_loss, mc_error *err);

/** Stores a new model (the caller frees it with mc_model_free(); it does not
   depend on the trainer, which may be freed first): the best epoch's weights
   so far or, when there is a linear forecaster and no epoch yet beats it on
   validation by more than one standard error, the linear forecaster
   (mc_model_best_epoch() 0). On failure stores NULL. `t` and `out` must not
   be NULL. */
MC_API mc_status mc_trainer_model(const mc_trainer *t, mc_model **out, mc_error *err);

/** Frees a trainer (not the frame it trained on). NULL is a no-op. */
MC_API void mc_trainer_free(mc_trainer *t);

/** Trains in one call: init, step until done, model, free. On success stores
   a model the caller frees with mc_model_free(); on failure (including
   MC_ERR_CANCELLED from the progress callback) stores NULL. Arguments as for
   mc_trainer_init(); reentrant. */
MC_API mc_status mc_model_train(mc_model **out, const mc_frame *frame,
                                const mc_model_options *mo, const mc_train_options *to,
                                mc_error *err);

/**
 * An ensemble: a new model (stored in *out, the caller frees it) whose
 * forecasts (every quantile, and the anomaly mask) are the means of those of
 * the `n` models given (1 to MC_MAX_MEMBERS), which it copies; they must
 * have been trained with the same options on the same data (seeds apart):
 * the same configuration, columns, scalers and holidays (MC_ERR_ARGUMENT
 * names what differs). Members that kept a blend and members that did not
 * mix: each is held as a blend, the others with the network's weight 1. An
 * ensemble cannot be an ensemble's member. Its file holds every member
 * (mc_model_members()); its training record is the first member's.
 */
MC_API mc_status mc_model_ensemble(mc_model **out, const mc_model *const *models, size_t n,
                                   mc_error *err);

/** The networks a model averages: 1, or an ensemble's members. */
MC_API size_t mc_model_members(const mc_model *m);

/**
 * @name Global models: one network for many series
 * A global model (mc_model_train_panel(), maskcast/panel.h) is trained on
 * windows from every series of a panel, each series scaled on its own, so
 * that it forecasts each of them and learns from all. It knows its series by
 * name; mc_model_for_series() gives the model of one of them, an ordinary
 * model that every other call takes (forecasts, backtests, explanations,
 * anomalies, intervals in the series' units). A model trained on one series
 * knows none. These read the model only (thread-safe).
 */
/** @{ */
/** Defined in maskcast/panel.h. */
typedef struct mc_panel mc_panel;

/**
 * Trains a global model on every series of `panel` (regularised, one step):
 * windows from all of them, each series scaled by its own mean and standard
 * deviation (and, with the default options, each window's level), the
 * panel's static covariates and, when `identity` is true, one 0/1 channel
 * per series as known-future inputs (at most MC_MAX_COVARIATES known-future
 * channels in all: identity suits up to a few dozen series; describe more
 * by static covariates). Each series holds out its own validation tail.
 * Arguments and results otherwise as mc_model_train() (to->train_rows must
 * be 0: cut the series instead). Reentrant.
 */
MC_API mc_status mc_model_train_panel(mc_model **out, const mc_panel *panel,
                                      const mc_model_options *mo, const mc_train_options *to,
                                      bool identity, mc_error *err);

/** Series a global model knows; 0 for a model of one series. */
MC_API size_t mc_model_series(const mc_model *m);
/** Name of series i (NULL when i >= mc_model_series()); belongs to the model. */
MC_API const char *mc_model_series_name(const mc_model *m, size_t i);
/**
 * The model of series `name` of the global model `m`: a new model (stored in
 * *out; the caller frees it) with the series' scaling and its identity and
 * static covariates built in, which reads a history of that series alone.
 * MC_ERR_ARGUMENT when `m` knows no such series (or is not global); *out
 * NULL on failure.
 */
MC_API mc_status mc_model_for_series(mc_model **out, const mc_model *m, const char *name,
                                     mc_error *err);
/** @} */

/** Frees a model. Free every mc_forecaster made from it first, and make sure
   no other thread is still using it. NULL is a no-op. */
MC_API void mc_model_free(mc_model *model);

/**
 * Writes the model as safetensors (DESIGN.md §5) atomically: a new
 * temporary file beside `path` ("<path>.tmp.<pid>.<6 letters>", created
 * exclusively), flushed and synced, then renamed over `path`, so `path`
 * holds either the old file or the whole new one, even if the process is
 * killed; the new file keeps the old one's permissions. A symbolic link to
 * a file is followed (its target is replaced, the link kept); a link to
 * nothing and a directory are refused (MC_ERR_IO); a device or FIFO is
 * written in place, and /dev/stdout, /dev/fd/N through that descriptor. The
 * writer holds an flock on its temporary until the rename; temporaries of
 * `path` that nobody holds (their writer was killed), owned by the caller's
 * user, are removed.
 * `model` and `path` must not be NULL. Reads the model only (thread-safe),
 * but two threads saving to one path at once leave either one's file.
 */
MC_API mc_status mc_model_save(const mc_model *model, const char *path, mc_error *err);

/** The same bytes into a malloc'd buffer stored in *out, its length in *size;
   the caller frees it with free(). On failure stores NULL and 0. None of the
   pointers may be NULL. Reads the model only: thread-safe. */
MC_API mc_status mc_model_save_buffer(const mc_model *model, void **out, size_t *size,
                                      mc_error *err);

/**
 * Reads a model file. Every length, offset, dtype and shape is checked
 * against the configuration stored in the file before use; a truncated,
 * corrupt or inconsistent file is refused with MC_ERR_FORMAT and a message
 * saying what is wrong. On success stores a model the caller frees with
 * mc_model_free(); on failure stores NULL. `out` and `path` must not be
 * NULL. Reentrant. A loaded model is read-only: share it between threads.
 */
MC_API mc_status mc_model_load(mc_model **out, const char *path, mc_error *err);

/** As mc_model_load(), from `size` bytes at `data` (the caller keeps them;
   they are not referenced after the call); `name` is used in messages (may be
   NULL). Reentrant. */
MC_API mc_status mc_model_load_buffer(mc_model **out, const void *data, size_t size,
                                      const char *name, mc_error *err);

/**
 * Forecasts the horizon after the last observed load in `history` (a
 * regularised frame on the model's step whose column 0 is the load, with the
 * model's past covariates as further columns). Known-future covariates are
 * taken from history rows after the last observed load, else from `future`
 * (a regularised frame holding them at the target times; may be NULL).
 * Writes the instants of the H target steps into times (H) and the forecasts
 * into values (H x Q, quantiles increasing at each step), in the load's units.
 * Fails when the history is shorter than the lookback, a column is missing,
 * a known-future value is missing, or the step differs from the model's; and
 * with MC_ERR_VALUE when a forecast would not be a finite number (inputs far
 * outside the training range, such as a load of 1e308, or a model file with
 * finite but huge weights): `values` then holds no result.
 *
 * A convenience wrapper: creates a forecaster, runs it once and frees it, so
 * it allocates a workspace on every call. Programs that forecast repeatedly
 * should keep an mc_forecaster. Reads the model only: any number of threads
 * may call it with one model at once.
 */
MC_API mc_status mc_model_forecast(const mc_model *model, const mc_frame *history,
                                   const mc_frame *future, int64_t *times, double *values,
                                   mc_error *err);

/**
 * A forecasting workspace for one model: the buffers one forecast needs,
 * sized once, so that forecasting never allocates. Results are bit-for-bit
 * those of mc_model_forecast().
 *
 * Threads: a model is read-only once trained or loaded, so any number of
 * forecasters — one per thread — may share it and forecast at the same time.
 * One forecaster must not be used by two threads at once (it holds the
 * scratch memory); give each thread its own.
 */
typedef struct mc_forecaster mc_forecaster;

/**
 * Creates a forecaster for `model` and stores it in *out (the caller frees
 * it with mc_forecaster_free()). The forecaster keeps a pointer to the model,
 * which must stay alive, and must not be freed, until every forecaster made
 * from it is freed. Its memory is a few times (lookback + horizon) x channels
 * plus the network's activations for one sample. On failure (NULL `out` or
 * `model`: MC_ERR_ARGUMENT; MC_ERR_NOMEM) stores NULL when `out` is not NULL.
 * Thread-safe: threads may create forecasters from one model at once.
 */
MC_API mc_status mc_forecaster_create(mc_forecaster **out, const mc_model *model, mc_error *err);

/**
 * Forecasts as mc_model_forecast() does, in the forecaster's workspace,
 * without allocating. `history`, `times` (H) and `values` (H x Q) must not be
 * NULL (MC_ERR_ARGUMENT); `future` may be. The frames are only read. Not
 * thread-safe for one forecaster: use one forecaster per thread.
 */
MC_API mc_status mc_forecaster_run(mc_forecaster *forecaster, const mc_frame *history,
                                   const mc_frame *future, int64_t *times, double *values,
                                   mc_error *err);

/** The model a forecaster was made for (NULL for NULL). */
MC_API const mc_model *mc_forecaster_model(const mc_forecaster *forecaster);

/** Frees a forecaster (not its model). NULL is a no-op. */
MC_API void mc_forecaster_free(mc_forecaster *forecaster);

/**
 * Sets the number of threads OpenBLAS uses inside each matrix product, for
 * the whole process (OpenBLAS keeps it globally). maskcast never changes it
 * on its own: the count is the application's choice. OpenBLAS's default is
 * one thread per core (or OPENBLAS_NUM_THREADS), which suits one big
 * training run; a program that forecasts from several threads of its own
 * should set 1, so that its threads times OpenBLAS's do not oversubscribe
 * the cores. `threads` < 1 counts as 1. Call it before starting threads that
 * use maskcast: it is not safe while another thread is inside OpenBLAS.
 * In a build with MC_OPENMP (against OpenBLAS's OpenMP build, which reads
 * OMP_NUM_THREADS, not OPENBLAS_NUM_THREADS) the same count sets how many
 * slices a batch is split into, one thread each (at most 16, and at least 32
 * samples a slice); a trainer keeps the count it saw at mc_trainer_init for
 * its backward passes, so set it first. In either build results
 * depend on the count in their last bits (OpenBLAS's multi-threaded sgemm
 * rounds differently from its single-threaded one, and slices sum gradients
 * in groups); a fixed seed and count give the same model file.
 */
MC_API void mc_set_blas_threads(int threads);

/** The number of threads OpenBLAS currently uses per matrix product.
   Thread-safe. */
MC_API int mc_blas_threads(void);

/**
 * @name Sizes of a model
 * `m` must not be NULL; read-only, thread-safe.
 */
/** @{ */
/** Steps forecast, H. */
MC_API size_t mc_model_horizon(const mc_model *m);
/** Past steps read, L. */
MC_API size_t mc_model_lookback(const mc_model *m);
/** Outputs per step, Q (the quantile levels of a pinball model, else 1). */
MC_API size_t mc_model_quantiles(const mc_model *m);
/** Seconds between rows of the data the model reads. */
MC_API int64_t mc_model_step(const mc_model *m);
/** @} */

/**
 * @name The columns a model reads
 * In its order: column 0 is the load (named as in
 * the training data), then mc_model_past_columns() past covariates, then
 * mc_model_future_columns() known-future covariates (a name may appear in
 * both groups). A history given to mc_model_forecast() needs the load as its
 * column 0 and every other name among its columns; read them as covariates
 * (mc_csv_options.covariates) or name them in mc_frame_from_arrays().
 * mc_model_column_name() returns NULL when j >= 1 + past + future; the
 * string belongs to the model. These read the model only (thread-safe).
 */
/** @{ */
/** Past covariates. */
MC_API size_t mc_model_past_columns(const mc_model *m);
/** Known-future covariates. */
MC_API size_t mc_model_future_columns(const mc_model *m);
/** Name of column j (NULL when j >= 1 + past + future). */
MC_API const char *mc_model_column_name(const mc_model *m, size_t j);
/** @} */

/**
 * The name of the time column of the data the model was trained on, and the
 * time zone they were read in (mc_frame_set_time_zone()), so that an
 * application reads new data as the model saw its training data. NULL when
 * the data had no zone, and both NULL for a model file written before
 * maskcast recorded them. The strings belong to the model; thread-safe.
 */
/** @{ */
/** The time column's name, or NULL. */
MC_API const char *mc_model_time_column(const mc_model *m);
/** The time zone ("Area/City"), or NULL. */
MC_API const char *mc_model_time_zone(const mc_model *m);
/** @} */

/** The quantile level of output q (0 <= q < mc_model_quantiles()) of a
   pinball model, e.g. 0.1, 0.5, 0.9; NAN for a point model or q out of range.
   `m` must not be NULL; thread-safe. */
MC_API double mc_model_quantile_level(const mc_model *m, size_t q);

/** The validation origins behind the model's prediction intervals (the
   fewest errors of any step; 0: the model holds none, e.g. trained with no
   validation tail, or an ensemble made by mc_model_ensemble()). Training
   keeps, for each horizon step, the errors (actual minus point forecast) of
   the final model on the validation tail it held out: split conformal
   prediction. `m` must not be NULL; thread-safe. */
MC_API size_t mc_model_calibration_origins(const mc_model *m);

/** The central prediction interval at `level` (in (0, 1), e.g. 0.8) as
   offsets from the point forecast (the median of a quantile model): for each
   of the H steps, the forecast plus lower[k] and plus upper[k] bound it.
   With m errors at a step, the bounds are the errors of ranks
   floor((m + 1) a) and ceil((m + 1) (1 - a)), a = (1 - level) / 2, which
   cover a new error with probability at least `level` when errors are
   exchangeable; a step with too few errors for the level gets NAN. Models
   keep at most 1000 errors per step (evenly spaced ranks, the nearest kept
   rank outward beyond that). MC_ERR_ARGUMENT when the model holds no
   calibration or the level is outside (0, 1); lower and upper (H each, not
   NULL) are then left alone. Thread-safe. */
MC_API mc_status mc_model_interval_offsets(const mc_model *m, double level, double *lower,
                                           double *upper, mc_error *err);

/** The loss the model was trained with. `m` must not be NULL; thread-safe. */
MC_API mc_loss_kind mc_model_loss(const mc_model *m);

/** Seconds the training took (0 for a model read from a file: no clock time
   is stored, so that the same seed gives the same file). `m` must not be
   NULL; thread-safe. */
MC_API double mc_model_train_seconds(const mc_model *m);

/** The training epoch whose weights the model holds, or 0 when training kept
   the linear forecaster it weighs the network against (a ridge regression on
   the load lags, kept unless the network beats it on validation by more than
   one standard error; see mc_train_options.linear_candidate). `m` must not
   be NULL; thread-safe. */
MC_API size_t mc_model_best_epoch(const mc_model *m);

/**
 * @name What a model holds
 * For tools that show a model (maskcast inspect). `m` must not be NULL;
 * these read the model only (thread-safe); strings belong to the model.
 */
/** @{ */
/** The model's value of option or fact `name` as text, as mc_options_get()
   writes it (the value the model was built with, "auto" resolved; facts:
   "past_channels", "future_channels", "step_seconds"). MC_ERR_ARGUMENT for
   a name the model file does not record (training options, names, dates)
   or a buffer too small. */
MC_API mc_status mc_model_get_option(const mc_model *m, const char *name, char *buf, size_t size,
                                     mc_error *err);

/** Number of parameter tensors the model has (those its configuration
   switches off are not counted). */
MC_API size_t mc_model_tensor_count(const mc_model *m);

/** Tensor i's name ("feature.W") and shape: *ndim is 1 or 2 and shape[0..ndim)
   its sizes. NULL when i >= mc_model_tensor_count() (the outputs untouched). */
MC_API const char *mc_model_tensor(const mc_model *m, size_t i, size_t shape[2], size_t *ndim);

/** Total number of parameters. */
MC_API size_t mc_model_parameter_count(const mc_model *m);

/** Column j's scaler (the mean subtracted and the scale divided by), as
   mc_model_column_name() numbers columns; false when j is out of range. */
MC_API bool mc_model_column_scaler(const mc_model *m, size_t j, double *mean, double *scale);

/** The holiday dates the model's calendar marks, as days since 1970-01-01,
   sorted, without repeats; stores the count in *n. */
MC_API const int64_t *mc_model_holidays(const mc_model *m, size_t *n);

/** What training did, as the model file records it. */
typedef struct mc_training_record {
    size_t epochs;          /**< epochs run */
    size_t best_epoch;      /**< as mc_model_best_epoch() */
    double best_val_loss;   /**< scaled units; NAN when unknown */
    size_t train_origins;   /**< forecast origins trained on */
    size_t val_origins;     /**< and validated on */
    int64_t first_time;     /**< the instant (Unix seconds) of the first row trained on */
    int64_t last_time;      /**< and of the last */
    uint64_t seed;          /**< the training seed */
    double network_val_loss; /**< the network's validation loss at its best epoch (scaled
                                units; NAN without a validation tail or an epoch) */
    double linear_val_loss; /**< the linear forecaster's (NAN when none was fitted: see
                               mc_train_options.linear_candidate); the model is the one with
                               best_val_loss, the linear forecaster when best_epoch is 0 */
    double blend_weight;    /**< the network's weight in the blend of the two that training
                               weighed (NAN when none was) */
    double blend_val_loss;  /**< that blend's validation loss (NAN when none); the model is
                               the blend when mc_model_get_option(m, "blend") is true */
    bool time_limited;      /**< training stopped at mc_train_options.time_limit (known only
                               to the process that trained: not in the model file) */
} mc_training_record;

/** What training kept: "network", "linear" (the linear forecaster, best
   epoch 0) or "blend" (the network's forecasts blended with the linear
   forecaster's, weights in the tensor blend.w); "ensemble" for a model of
   several members (mc_model_ensemble(): each kept its own). A static
   string. */
MC_API const char *mc_model_kept(const mc_model *m);

/** Fills *out (not NULL) with the model's training record. */
MC_API void mc_model_training_record(const mc_model *m, mc_training_record *out);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_MODEL_H */
