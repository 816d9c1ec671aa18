/*
 * spec: the checked, typed form of a spec, produced by check.c from the
 * document tree. Every later pass (summary, lowering, emission) reads this,
 * never the tree. Strings point into the tree, which must outlive the spec;
 * `node` members give the map each part came from, for diagnostics.
 */
#ifndef LSTMC_SPEC_H
#define LSTMC_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"

enum input_kind { INPUT_SEQUENCE, INPUT_TOKENS };

/* The X-macro lists below are the single definition of each vocabulary:
 * the checker's accepted words, the summary's names and docs follow them. */
#define LAYER_KINDS(X)                                                   \
    X(LAYER_EMBEDDING, "embedding", "Embedding")                         \
    X(LAYER_LSTM, "lstm", "LSTM")                                        \
    X(LAYER_DENSE, "dense", "Dense")                                     \
    X(LAYER_DROPOUT, "dropout", "Dropout")                               \
    X(LAYER_SPATIAL_DROPOUT1D, "spatial_dropout1d", "SpatialDropout1D")

#define ACTIVATIONS(X)                  \
    X(ACT_LINEAR, "linear")             \
    X(ACT_RELU, "relu")                 \
    X(ACT_SIGMOID, "sigmoid")           \
    X(ACT_TANH, "tanh")                 \
    X(ACT_SOFTMAX, "softmax")           \
    X(ACT_HARD_SIGMOID, "hard_sigmoid")

#define INITIALIZERS(X)                     \
    X(INIT_GLOROT_UNIFORM, "glorot_uniform") \
    X(INIT_GLOROT_NORMAL, "glorot_normal")   \
    X(INIT_HE_UNIFORM, "he_uniform")         \
    X(INIT_HE_NORMAL, "he_normal")           \
    X(INIT_LECUN_UNIFORM, "lecun_uniform")   \
    X(INIT_LECUN_NORMAL, "lecun_normal")     \
    X(INIT_ORTHOGONAL, "orthogonal")         \
    X(INIT_RANDOM_UNIFORM, "random_uniform") \
    X(INIT_ZEROS, "zeros")                   \
    X(INIT_ONES, "ones")

#define LOSSES(X)                                            \
    X(LOSS_MSE, "mse")                                       \
    X(LOSS_MAE, "mae")                                       \
    X(LOSS_BINARY_CROSSENTROPY, "binary_crossentropy")       \
    X(LOSS_CATEGORICAL_CROSSENTROPY, "categorical_crossentropy")

#define OPTIMIZERS(X)          \
    X(OPT_ADAM, "adam")        \
    X(OPT_SGD, "sgd")          \
    X(OPT_RMSPROP, "rmsprop")

/* Metrics shown while training (Keras' `metrics`) and evaluation reports. */
#define METRICS(X)                                          \
    X(METRIC_ACCURACY, "accuracy")                          \
    X(METRIC_MSE, "mse")                                    \
    X(METRIC_RMSE, "rmse")                                  \
    X(METRIC_MAE, "mae")                                    \
    X(METRIC_MAPE, "mape")                                  \
    X(METRIC_CONFUSION_MATRIX, "confusion_matrix")          \
    X(METRIC_CLASSIFICATION_REPORT, "classification_report")

#define PLOTS(X)                                  \
    X(PLOT_FORECAST, "forecast")                  \
    X(PLOT_CONFUSION_MATRIX, "confusion_matrix")  \
    X(PLOT_LOSS, "loss")

#define ENUM_ITEM(id, ...) id,
enum layer_kind { LAYER_KINDS(ENUM_ITEM) LAYER_KIND_COUNT };
enum activation { ACTIVATIONS(ENUM_ITEM) ACTIVATION_COUNT };
enum initializer { INITIALIZERS(ENUM_ITEM) INITIALIZER_COUNT };
enum loss { LOSSES(ENUM_ITEM) LOSS_COUNT };
enum optimizer_kind { OPTIMIZERS(ENUM_ITEM) OPTIMIZER_COUNT };
enum metric { METRICS(ENUM_ITEM) METRIC_COUNT };
enum plot { PLOTS(ENUM_ITEM) PLOT_COUNT };
#undef ENUM_ITEM

enum source_kind { SOURCE_CSV, SOURCE_XLSX };
enum scale_kind { SCALE_NONE, SCALE_MINMAX, SCALE_STANDARD };
enum window_label { LABEL_NEXT, LABEL_LAST };
enum pad_side { PAD_PRE, PAD_POST };
enum plot_format { FORMAT_PNG, FORMAT_SVG };

/* Keras-style shape without the batch axis: [steps, features] or [features]. */
struct shape {
    int64_t steps;    /* 0 when the value is not a sequence */
    int64_t features;
};

struct layer {
    enum layer_kind kind;
    const char *name;          /* given or Keras' default (lstm, lstm_1, ...) */
    bool name_given;
    const struct node *node;
    int64_t units;             /* lstm, dense; embedding output_dim */
    bool return_sequences;
    int activation;            /* enum activation */
    int recurrent_activation;
    bool use_bias;
    double dropout;
    double recurrent_dropout;
    double rate;               /* dropout, spatial_dropout1d */
    int kernel_initializer;    /* enum initializer */
    int recurrent_initializer;
    int bias_initializer;
    int embeddings_initializer;
    bool unit_forget_bias;
    /* Filled by shape inference. */
    struct shape in, out;
    int64_t params;
};

struct model {
    const char *name;
    const struct node *node;
    int input_kind;            /* enum input_kind */
    const struct node *input_node;
    int64_t timesteps, features;   /* sequence input */
    int64_t length, vocab;         /* token input */
    struct layer *layers;
    size_t nlayers;
    int64_t params;
};

struct optimizer {
    int kind;                  /* enum optimizer_kind */
    const struct node *node;
    double learning_rate;
    double beta_1, beta_2, epsilon;
    double momentum;
    bool nesterov;
    double rho;
};

enum monitor { MONITOR_VAL_LOSS, MONITOR_LOSS };

struct early_stopping {
    bool enabled;
    const struct node *node;
    int monitor;               /* enum monitor */
    int64_t patience;
    double min_delta;
    bool restore_best_weights;
};

struct training {
    const struct node *node;
    int loss;                  /* enum loss */
    struct optimizer optimizer;
    unsigned metrics;          /* bit per enum metric */
    int64_t epochs;
    int64_t batch_size;
    double validation_split;
    bool shuffle;
    int64_t seed;
    struct early_stopping early_stopping;
};

struct strlist {
    const char **items;
    size_t n;
};

struct pipeline {
    bool present;
    const struct node *node;
    /* source */
    int source_kind;           /* enum source_kind */
    const char *path, *test_path, *sheet;
    /* columns */
    const char *series, *target, *text;
    struct strlist features;
    /* grouped sequences */
    bool grouped;
    const char *group_id, *group_order;
    int group_padding, group_truncating;    /* enum pad_side */
    /* scaling */
    int scale;                 /* enum scale_kind */
    double feature_range[2];
    /* windows */
    bool windowed;
    int64_t window_length;
    int window_label;          /* enum window_label */
    /* split */
    double train_fraction;
    bool split_shuffle;
    int64_t split_seed;
    const char *split_column;
    /* labels */
    bool labels_encode, labels_one_hot;
    struct strlist classes;
    /* text */
    bool tokenized;
    int64_t num_words;
    bool lower;
    const char *filters;
    const char *oov_token;
    int64_t maxlen;
    int padding, truncating;   /* enum pad_side */
    /* evaluation and outputs */
    unsigned evaluate;         /* bit per enum metric */
    bool write_predictions, write_weights;
    unsigned plots;            /* bit per enum plot */
    unsigned plot_formats;     /* bit per enum plot_format */
};

struct codegen {
    int64_t unroll;
};

struct spec {
    const struct source *src;
    const struct node *root;
    struct model model;
    struct training training;
    struct pipeline pipeline;
    struct codegen codegen;
};

const char *layer_kind_name(enum layer_kind kind);   /* "lstm" */
const char *layer_class_name(enum layer_kind kind);  /* "LSTM" */
const char *activation_name(int act);
const char *initializer_name(int init);
const char *loss_name(int loss);
const char *optimizer_name(int kind);
const char *metric_name(int metric);
const char *plot_name(int plot);

/* True for losses whose labels are classes. */
bool loss_is_classification(int loss);

/*
 * Checks root against the spec language and fills spec. Reports every
 * problem to d (errors and warnings); returns false if any error was
 * reported. spec must be released with spec_free whatever the result.
 */
bool check_spec(struct spec *spec, const struct source *src,
                const struct node *root, struct diag *d);
void spec_free(struct spec *spec);

#endif
