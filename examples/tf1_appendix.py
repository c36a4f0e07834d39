"""A TensorFlow 1 tutorial's appendix, unchanged but for the import line.

Run it as it is (`python examples/tf1_appendix.py`), or with TensorFlow itself by swapping
the import for `import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()`: the output is
the same, line for line.
"""

import numpy as np

import autograd_lab as tf

# Two placeholders added in a session.
a = tf.placeholder(tf.float32)
b = tf.placeholder(tf.float32)
adder_node = a + b
print(adder_node)
sess = tf.Session()
print(sess.run(adder_node, {a: 3, b: 4.5}))
print(sess.run(adder_node, {a: [1, 3], b: [2, 4]}))

# The derivative of 2*x, at one point and at a million points.
x = tf.placeholder(tf.float32)
y = 2 * x
grad = tf.gradients(y, x)
print(sess.run(grad, {x: 3.0}))
many = sess.run(grad, {x: np.linspace(-10, 10, 1000000)})[0]
print(many.shape, many.dtype, many.min(), many.max())

# The derivative of sin is cos.
dsin = tf.gradients(tf.sin(x), x)
points = np.linspace(-2 * np.pi, 2 * np.pi, 9)
print(np.allclose(sess.run(dsin, {x: points})[0], np.cos(points), atol=1e-6))
sess.close()

# A softmax perceptron from Variables and matmul, trained by gradient descent.
tf.set_random_seed(0)
rng = np.random.RandomState(0)
centers = rng.randn(3, 4) * 3
labels = rng.randint(0, 3, size=300)
features = (centers[labels] + rng.randn(300, 4)).astype(np.float32)
onehot = np.eye(3, dtype=np.float32)[labels]

inputs = tf.placeholder(tf.float32, [None, 4])
targets = tf.placeholder(tf.float32, [None, 3])
W = tf.Variable(tf.zeros([4, 3]))
bias = tf.Variable(tf.zeros([3]))
probabilities = tf.nn.softmax(tf.matmul(inputs, W) + bias)
cross_entropy = tf.reduce_mean(-tf.reduce_sum(targets * tf.log(probabilities), axis=1))
train_step = tf.train.GradientDescentOptimizer(0.1).minimize(cross_entropy)
correct = tf.equal(tf.argmax(probabilities, 1), tf.argmax(targets, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
print(W)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(round(float(sess.run(cross_entropy, {inputs: features, targets: onehot})), 4))
    for _ in range(50):
        sess.run(train_step, {inputs: features, targets: onehot})
    print(sess.run(accuracy, {inputs: features, targets: onehot}) > 0.9)
