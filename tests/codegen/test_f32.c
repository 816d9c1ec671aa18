/*
 * test_f32: the generated code in float (the default dtype), built with
 * --unroll 2 so the time loops take the fixed-trip-loop form. Parity with
 * the numpy reference fixtures: about 1e-5 forward, 1e-4 gradients and
 * training, relative to each tensor's largest magnitude.
 */
#define REAL float
#include "harness.h"

#include "activations.h"
#include "embedding_lstm.h"
#include "lstm_last.h"
#include "lstm_seq_dense.h"
#include "no_bias.h"
#include "softmax_head.h"
#include "stacked.h"
#include "train_embedding.h"
#include "train_stacked.h"

MODEL(activations, ACTIVATIONS, 0, TARGET_REAL);
MODEL(embedding_lstm, EMBEDDING_LSTM, EMBEDDING_LSTM_VOCAB, TARGET_BINARY);
MODEL(lstm_last, LSTM_LAST, 0, TARGET_REAL);
MODEL(lstm_seq_dense, LSTM_SEQ_DENSE, 0, TARGET_REAL);
MODEL(no_bias, NO_BIAS, 0, TARGET_REAL);
MODEL(softmax_head, SOFTMAX_HEAD, 0, TARGET_ONEHOT);
MODEL(stacked, STACKED, 0, TARGET_REAL);
MODEL(train_embedding, TRAIN_EMBEDDING, TRAIN_EMBEDDING_VOCAB, TARGET_BINARY);
MODEL(train_stacked, TRAIN_STACKED, 0, TARGET_REAL);

#define PARITY(M, TF, TG) \
    static const struct parity_case M##_parity = {&M##_model, "tests/numeric/" #M ".txt", TF, TG}

PARITY(lstm_last, 1e-5, 1e-4);
PARITY(lstm_seq_dense, 1e-5, 1e-4);
PARITY(stacked, 1e-5, 1e-4);
PARITY(no_bias, 1e-5, 1e-4);
PARITY(activations, 1e-5, 1e-4);
PARITY(softmax_head, 1e-5, 1e-4);
PARITY(embedding_lstm, 1e-5, 1e-4);
PARITY(train_stacked, 1e-5, 1e-4);
PARITY(train_embedding, 1e-5, 1e-4);

STREAM(lstm_last, LSTM_LAST_TIMESTEPS, 1e-5);
STREAM(stacked, STACKED_TIMESTEPS, 1e-5);
STREAM(no_bias, NO_BIAS_TIMESTEPS, 1e-5);
STREAM(activations, ACTIVATIONS_TIMESTEPS, 1e-5);
STREAM(softmax_head, SOFTMAX_HEAD_TIMESTEPS, 1e-5);
STREAM(embedding_lstm, EMBEDDING_LSTM_LENGTH, 1e-5);

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_parity, (void *)&lstm_last_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&lstm_seq_dense_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&stacked_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&no_bias_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&activations_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&softmax_head_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&embedding_lstm_parity),
        cmocka_unit_test_prestate(test_stream, (void *)&lstm_last_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&stacked_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&no_bias_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&activations_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&softmax_head_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&embedding_lstm_stream),
        cmocka_unit_test_prestate(test_training, (void *)&train_stacked_parity),
        cmocka_unit_test_prestate(test_training, (void *)&train_embedding_parity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
