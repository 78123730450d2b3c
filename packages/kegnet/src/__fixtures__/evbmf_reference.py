# Independent reference for the EVBMF tests: the KegNet reference's utils/vbmf.py EVBMF
# (numpy SVD + scipy minimize_scalar bounded), run on float32-rounded matrices.
# Regenerate: python3 evbmf_reference.py > evbmf.json
import json
import numpy as np
from scipy.optimize import minimize_scalar

def tau(x, alpha):
    return 0.5 * (x - (1 + alpha) + np.sqrt((x - (1 + alpha)) ** 2 - 4 * alpha))

def EVBsigma2(sigma2, L, M, s, residual, xubar):
    H = len(s)
    alpha = L / M
    x = s ** 2 / (M * sigma2)
    z1 = x[x > xubar]
    z2 = x[x <= xubar]
    tau_z1 = tau(z1, alpha)
    term1 = np.sum(z2 - np.log(z2))
    term2 = np.sum(z1 - tau_z1)
    term3 = np.sum(np.log(np.divide(tau_z1 + 1, z1)))
    term4 = alpha * np.sum(np.log(tau_z1 / alpha + 1))
    return term1 + term2 + term3 + term4 + residual / (M * sigma2) + (L - H) * np.log(sigma2)

def EVBMF(Y):
    L, M = Y.shape
    H = L
    alpha = L / M
    tauubar = 2.5129 * np.sqrt(alpha)
    U, s, V = np.linalg.svd(Y)
    s = s[:H]
    residual = 0.
    xubar = (1 + tauubar) * (1 + alpha / tauubar)
    eH_ub = int(np.min([np.ceil(L / (1 + alpha)) - 1, H])) - 1
    upper_bound = (np.sum(s ** 2) + residual) / (L * M)
    lower_bound = np.max([s[eH_ub + 1] ** 2 / (M * xubar), np.mean(s[eH_ub + 1:] ** 2) / M])
    sigma2 = minimize_scalar(EVBsigma2, args=(L, M, s, residual, xubar), bounds=[lower_bound, upper_bound], method='Bounded').x
    threshold = np.sqrt(M * sigma2 * (1 + tauubar) * (1 + alpha / tauubar))
    return int(np.sum(s > threshold)), float(sigma2), float(threshold)

rng = np.random.default_rng(2019)
cases = []
for name, rows, cols, rank, noise in [('low-rank-4', 20, 50, 4, 0.1), ('noise-only', 12, 30, 0, 1.0), ('tall-low-rank-3', 40, 16, 3, 0.05), ('weak-signal', 16, 40, 2, 0.6)]:
    signal = sum(np.outer(rng.normal(size=rows), rng.normal(size=cols)) * (3 - k * 0.5) for k in range(rank)) if rank else 0
    y = (signal + noise * rng.normal(size=(rows, cols))).astype(np.float32)
    yy = y.astype(np.float64)
    r, sigma2, threshold = EVBMF(yy if rows <= cols else yy.T)
    cases.append({'name': name, 'rows': rows, 'columns': cols, 'values': [float(v) for v in y.ravel()], 'rank': r, 'sigma2': sigma2, 'threshold': threshold})
print(json.dumps(cases))
