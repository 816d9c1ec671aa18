/*
 * forecast_product: a small product around an embedded lstmc model.
 *
 * Reads raw values (monthly airline passengers, one number per line) from
 * standard input and, after each one, prints the model's forecast of the
 * next value in the same units, once the model has seen a whole window
 * (FORECAST_TIMESTEPS values). The model is forecast_model.c and
 * forecast_model.h, written by
 *
 *   lstmc embed specs/forecast.yaml --weights OUT/weights.safetensors -o DIR
 *
 * Nothing here knows the scaler or the weights: the model's streaming API
 * takes the raw values and gives the forecast in the data's units.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast_model.h"

/* The shortest decimal that reads back as v (as the training program
 * writes predictions.csv). */
static void print_number(double v)
{
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    puts(buf);
}

int main(void)
{
    forecast_state state; /* the whole model state: FORECAST_STATE_BYTES */
    char line[256];
    long lineno = 0;
    forecast_reset(&state);
    while (fgets(line, sizeof line, stdin)) {
        char *end;
        double x, y;
        lineno++;
        x = strtod(line, &end);
        if (end == line || (*end && *end != '\n' && *end != '\r')) {
            fprintf(stderr, "forecast_product: line %ld: expected a number\n", lineno);
            return 1;
        }
        forecast_step(&state, &x);
        if (forecast_output(&state, &y) == 0)
            print_number(y);
    }
    return ferror(stdin) ? 1 : 0;
}
